"""What every emulator's state holds besides its records, and the test hooks on it."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from typing import Any, ClassVar

from sandbox.kernel.calls import CallLog
from sandbox.kernel.clock import Clock
from sandbox.kernel.faults import Fault, Kind
from sandbox.kernel.faults import Faults as FaultList
from sandbox.kernel.ids import Ids
from sandbox.kernel.limits import Latency, RateLimit, RateLimiter

__all__ = ["State"]


class State:
    """Base of each emulator's state.

    ``seed`` makes ids, tokens, jitter and probabilistic faults reproducible; ``clock`` is
    what records, sessions and rate limits read (pass a ``ManualClock`` to move time).
    Subclasses set ``rate_limit`` to the vendor's default and implement :meth:`snapshot`.
    """

    rate_limit: ClassVar[RateLimit | None] = None

    def __init__(self, *, clock: Clock | None = None, seed: int | None = None, first_id: int = 1):
        self.clock = clock or Clock()
        self.rng = random.Random(seed)
        self.ids = Ids(self.rng if seed is not None else None, start=first_id)
        self.log = CallLog()
        self.faults = FaultList(self.rng)
        self.latency = Latency()
        self.limits = RateLimiter(self.rate_limit, self.clock)
        # A call to a gated route waits until its event is set (to hold one call open).
        self.gates: dict[str, asyncio.Event] = {}

    @property
    def calls(self) -> Counter[str]:
        """Calls so far per route label."""
        return self.log.counts()

    def reset_calls(self) -> None:
        self.log.clear()

    def inject_fault(
        self,
        route: str = "*",
        *,
        status: int | None = 503,
        times: int | None = 1,
        kind: Kind = "status",
        probability: float | None = None,
        retry_after: float | None = None,
        code: str | None = None,
        message: str | None = None,
        headers: dict[str, str] | None = None,
        hang: float = 60.0,
    ) -> Fault:
        """Make calls to ``route`` fail (see :mod:`sandbox.kernel.faults`)."""
        fault = Fault(
            kind, status, route, times, probability, retry_after, code, message, headers or {}, hang
        )
        return self.faults.add(fault)

    def clear_faults(self) -> None:
        self.faults.clear()

    def snapshot(self) -> dict[str, Any]:
        """Everything the emulated account holds, as JSON-ready data."""
        raise NotImplementedError
