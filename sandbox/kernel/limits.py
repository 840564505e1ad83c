"""How fast an emulator answers: latency per call and a token bucket per credential."""

from __future__ import annotations

import random
from dataclasses import dataclass

from sandbox.kernel.clock import Clock
from sandbox.kernel.faults import Fault

__all__ = ["Latency", "RateLimit", "RateLimiter"]


@dataclass(frozen=True)
class Latency:
    """``fixed`` seconds plus a uniform ``jitter`` (0 to ``jitter`` seconds) on every call."""

    fixed: float = 0.0
    jitter: float = 0.0

    def delay(self, rng: random.Random) -> float:
        return self.fixed + (rng.uniform(0, self.jitter) if self.jitter else 0.0)


@dataclass(frozen=True)
class RateLimit:
    """A bucket of ``burst`` calls refilled at ``rate`` calls per second."""

    rate: float
    burst: int

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.burst < 1:
            raise ValueError("a rate limit needs a positive rate and a burst of at least 1")

    @classmethod
    def per_minute(cls, calls: float, burst: int | None = None) -> RateLimit:
        return cls(calls / 60, burst or max(1, int(calls)))


class RateLimiter:
    """One token bucket per credential label; calls without a credential are not limited
    (the vendor refuses them anyway). Over the limit the vendor answers its usual way, unless
    ``answer`` says otherwise (for vendors whose answer is only inferred)."""

    def __init__(self, limit: RateLimit | None, clock: Clock):
        self.clock = clock
        self.answer: Fault | None = None
        self._limit = limit
        self._buckets: dict[str, tuple[float, float]] = {}  # label -> (tokens, when)

    @property
    def limit(self) -> RateLimit | None:
        return self._limit

    @limit.setter
    def limit(self, limit: RateLimit | None) -> None:
        self._limit = limit
        self._buckets.clear()

    def take(self, credential: str | None) -> float:
        """0 when the call may go ahead (a token is used), else the seconds until one is free."""
        limit = self._limit
        if limit is None or credential is None:
            return 0.0
        now = self.clock.time()
        tokens, when = self._buckets.get(credential, (float(limit.burst), now))
        tokens = min(float(limit.burst), tokens + (now - when) * limit.rate)
        if tokens < 1:
            self._buckets[credential] = (tokens, now)
            return (1 - tokens) / limit.rate
        self._buckets[credential] = (tokens - 1, now)
        return 0.0
