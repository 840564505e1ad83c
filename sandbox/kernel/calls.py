"""The call log: one entry per request an emulator answered (or failed to answer)."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["Call", "CallLog"]


@dataclass
class Call:
    """``route`` is the emulator's label for the endpoint (``candidate.search``,
    ``GET /contacts``...); ``credential`` a label that never holds the secret itself;
    ``status`` 0 means the client got no answer (hung or dropped)."""

    route: str
    method: str
    path: str
    query: dict[str, str]
    credential: str | None
    at: float
    status: int = 0
    seconds: float = 0.0
    body: Any = None
    error: str | None = None
    fault: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class CallLog(list[Call]):
    def counts(self) -> Counter[str]:
        return Counter(call.route for call in self)

    def where(self, route: str | None = None, *, status: int | None = None) -> list[Call]:
        return [
            call for call in self if route in (None, call.route) and status in (None, call.status)
        ]
