"""Time as an emulator sees it: wall time by default, a hand-moved clock in tests."""

from __future__ import annotations

import time
from datetime import UTC, datetime

__all__ = ["Clock", "ManualClock"]


class Clock:
    """Wall-clock time."""

    def time(self) -> float:
        return time.time()

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), UTC)


class ManualClock(Clock):
    """A clock that stands still until a test moves it (sessions expire, buckets refill)."""

    def __init__(self, start: datetime | float = 1_800_000_000.0):
        self._time = start.timestamp() if isinstance(start, datetime) else float(start)

    def time(self) -> float:
        return self._time

    def advance(self, seconds: float) -> None:
        self._time += seconds
