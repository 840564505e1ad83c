"""Leases: one kind of work on one connection runs in one place at a time, fleet-wide.

On PostgreSQL a lease is a session-level advisory lock held on a connection of its own for as
long as the work runs. The database releases it the moment that connection closes, so a worker
killed mid-pass frees its connections at once, while a worker that is only slow (a stalled
task that the queue retried elsewhere) still holds them and the retry stands aside.

SQLite serves one process, so a lease there is an ``asyncio.Lock`` of that process.
"""

from __future__ import annotations

import asyncio
import logging
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.db import Database

__all__ = ["Lease", "LeaseLost", "Leases"]

log = logging.getLogger(__name__)

WAIT_POLL_SECONDS = 0.5


class LeaseLost(Exception):
    """The connection that held a lease is gone: the work must stop before it writes more."""


class Lease:
    def __init__(self, name: str, key: int, connection: AsyncConnection | None = None):
        self.name = name
        self.key = key
        self._connection = connection

    async def check(self) -> None:
        """Raise :class:`LeaseLost` when the lease can no longer be trusted (PostgreSQL: its
        connection dropped, so another process may hold the lock now)."""
        if self._connection is None:
            return
        try:
            await self._connection.execute(text("SELECT 1"))
        except Exception as exc:
            raise LeaseLost(f"lease {self.name}:{self.key} lost: {type(exc).__name__}") from exc


class Leases:
    def __init__(self, db: Database):
        self.db = db
        self._local: dict[tuple[str, int], asyncio.Lock] = {}

    @asynccontextmanager
    async def hold(
        self, name: str, key: int, *, wait_seconds: float = 0.0
    ) -> AsyncIterator[Lease | None]:
        """Hold lease ``name:key`` for the block; yields None when another holder has it
        (after waiting up to ``wait_seconds`` for it)."""
        if self.db.is_sqlite:
            async with self._hold_local(name, key, wait_seconds) as lease:
                yield lease
        else:
            async with self._hold_advisory(name, key, wait_seconds) as lease:
                yield lease

    @asynccontextmanager
    async def _hold_local(
        self, name: str, key: int, wait_seconds: float
    ) -> AsyncIterator[Lease | None]:
        lock = self._local.setdefault((name, key), asyncio.Lock())
        if lock.locked() and not wait_seconds:
            yield None
            return
        try:
            await asyncio.wait_for(lock.acquire(), wait_seconds or None)
        except TimeoutError:
            yield None
            return
        try:
            yield Lease(name, key)
        finally:
            lock.release()

    @asynccontextmanager
    async def _hold_advisory(
        self, name: str, key: int, wait_seconds: float
    ) -> AsyncIterator[Lease | None]:
        namespace = _namespace(name)
        connection = await self.db.engine.connect()
        try:
            if not await _try_lock(connection, namespace, key, wait_seconds):
                yield None
                return
            try:
                yield Lease(name, key, connection)
            finally:
                await _unlock(connection, namespace, key)
        finally:
            await connection.close()


def _namespace(name: str) -> int:
    """A stable signed 32-bit number per lease name (advisory locks take two int4 keys)."""
    value = zlib.crc32(name.encode())
    return value - 2**32 if value >= 2**31 else value


async def _try_lock(connection: AsyncConnection, namespace: int, key: int, wait: float) -> bool:
    deadline = asyncio.get_running_loop().time() + wait
    while True:
        got = await connection.scalar(
            text("SELECT pg_try_advisory_lock(:namespace, :key)"),
            {"namespace": namespace, "key": key},
        )
        await connection.commit()  # the lock is the session's; no transaction stays open
        if got:
            return True
        if asyncio.get_running_loop().time() >= deadline:
            return False
        await asyncio.sleep(WAIT_POLL_SECONDS)


async def _unlock(connection: AsyncConnection, namespace: int, key: int) -> None:
    try:
        await connection.execute(
            text("SELECT pg_advisory_unlock(:namespace, :key)"),
            {"namespace": namespace, "key": key},
        )
        await connection.commit()
    except Exception:
        # The connection is gone, and the lock with it; make sure the pool drops it.
        log.warning("lease connection lost before unlock", exc_info=True)
        await connection.invalidate()
