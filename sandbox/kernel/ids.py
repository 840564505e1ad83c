"""One id factory per emulator: UUIDs, counters and opaque tokens, reproducible from a seed."""

from __future__ import annotations

import itertools
import random
import secrets
import uuid

__all__ = ["Ids"]


class Ids:
    """``rng`` given: every UUID and token follows from it (the same seed, the same ids)."""

    def __init__(self, rng: random.Random | None = None, *, start: int = 1):
        self._rng = rng
        self._counter = itertools.count(start)

    def uuid(self) -> str:
        if self._rng is None:
            return str(uuid.uuid4())
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def number(self) -> int:
        return next(self._counter)

    def token(self, nbytes: int = 16) -> str:
        if self._rng is None:
            return secrets.token_hex(nbytes)
        return self._rng.getrandbits(nbytes * 8).to_bytes(nbytes, "big").hex()
