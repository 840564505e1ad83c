"""One fault model for every emulator.

A :class:`Fault` is what goes wrong with a call, and when:

* ``kind`` — ``status``: answer ``status`` (a 429 with ``retry_after``, a 5xx, a vendor error
  with ``code``/``message``) without running the handler; ``hang``: hold the request ``hang``
  seconds (past the client's timeout), then drop it; ``drop``: reset the connection before
  the handler runs; ``lost``: run the handler (the write is committed), then lose the answer:
  answer ``status`` if set, else reset the connection.
* ``times`` — the next N matching calls (``None``: every one until cleared), or
  ``probability`` — each matching call rolls the emulator's seeded RNG.
* ``route`` — a glob over the emulator's route labels (``*``, ``candidate.*``,
  ``POST /contacts``).

Counted faults are consumed first, in the order added; otherwise one roll picks at most one
probabilistic fault (their probabilities add up, so 10% + 5% means 15% of calls fail).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any, Literal

__all__ = ["KINDS", "Fault", "Faults"]

Kind = Literal["status", "hang", "drop", "lost"]
KINDS: tuple[Kind, ...] = ("status", "hang", "drop", "lost")


@dataclass
class Fault:
    kind: Kind = "status"
    status: int | None = 503
    route: str = "*"
    times: int | None = 1
    probability: float | None = None
    retry_after: float | None = None
    code: str | None = None
    message: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    hang: float = 60.0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"fault kind must be one of {KINDS}")
        if self.kind == "status" and self.status is None:
            raise ValueError("a status fault needs a status")
        if self.probability is not None and not 0 <= self.probability <= 1:
            raise ValueError("probability must be between 0 and 1")

    def matches(self, route: str) -> bool:
        return fnmatchcase(route, self.route)

    def answer_headers(self) -> dict[str, str]:
        """Headers every vendor's rendering of this fault carries."""
        headers = dict(self.headers)
        if self.retry_after is not None:
            headers["Retry-After"] = f"{self.retry_after:g}"
        return headers

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, {})}


class Faults:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.rules: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        self.rules.append(fault)
        return fault

    def clear(self) -> None:
        self.rules.clear()

    def take(self, route: str) -> Fault | None:
        """The fault for this call, if any (counted rules are used up as they fire)."""
        for fault in self.rules:
            if fault.probability is None and fault.matches(route):
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self.rules.remove(fault)
                return fault
        chances = [f for f in self.rules if f.probability is not None and f.matches(route)]
        if not chances:
            return None
        roll, edge = self.rng.random(), 0.0
        for fault in chances:
            edge += fault.probability or 0.0
            if roll < edge:
                return fault
        return None

    def chaos(
        self,
        *,
        rate_limited: float = 0.0,
        server_error: float = 0.0,
        timeout: float = 0.0,
        dropped: float = 0.0,
        lost: float = 0.0,
        route: str = "*",
        retry_after: float = 1.0,
    ) -> list[Fault]:
        """A background of random trouble, e.g. ``chaos(rate_limited=0.1, server_error=0.05,
        timeout=0.05, lost=0.02)``."""
        mix = [
            (rate_limited, Fault(status=429, retry_after=retry_after)),
            (server_error, Fault(status=500)),
            (timeout, Fault("hang", status=None)),
            (dropped, Fault("drop", status=None)),
            (lost, Fault("lost", status=None)),
        ]
        made = []
        for probability, fault in mix:
            if probability:
                fault.route, fault.times, fault.probability = route, None, probability
                made.append(self.add(fault))
        return made
