"""The CRM's open jobs and field lists, cached per connection: Slack wants an external
select's options within 3 s, while a CRM pages its job list slowly and the mapping modal needs
the field list on open, on every row added or removed, and on save."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from bot.connectors.base import Connector, CrmJob, FieldSpec

__all__ = ["FieldCache", "JobCache"]

OpenConnector = Callable[[], Awaitable[Connector]]
JOBS_TTL_SECONDS = 300
FIELDS_TTL_SECONDS = 120
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class _Cache(Generic[K, V]):
    """Values kept for ``ttl`` seconds; one load at a time per key."""

    def __init__(self, ttl: float):
        self.ttl = ttl
        self._values: dict[K, tuple[float, V]] = {}
        self._locks: dict[K, asyncio.Lock] = {}

    async def get(self, key: K, load: Callable[[], Awaitable[V]]) -> V:
        async with self._locks.setdefault(key, asyncio.Lock()):
            cached = self._values.get(key)
            if cached and time.monotonic() - cached[0] < self.ttl:
                return cached[1]
            value = await load()
            self._values[key] = (time.monotonic(), value)
            return value

    def forget(self, match: Callable[[K], bool]) -> None:
        for key in [k for k in self._values if match(k)]:
            self._values.pop(key, None)


async def _ask(open_connector: OpenConnector, call: Callable[[Connector], Awaitable[V]]) -> V:
    connector = await open_connector()
    try:
        return await call(connector)
    finally:
        await connector.aclose()


class JobCache:
    def __init__(self, ttl: float = JOBS_TTL_SECONDS):
        self._cache: _Cache[int, list[CrmJob]] = _Cache(ttl)

    async def jobs(self, connection_id: int, open_connector: OpenConnector) -> list[CrmJob]:
        return await self._cache.get(
            connection_id, lambda: _ask(open_connector, lambda c: c.list_jobs())
        )

    async def search(
        self, connection_id: int, open_connector: OpenConnector, query: str, limit: int = 100
    ) -> list[CrmJob]:
        needle = query.strip().lower()
        jobs = await self.jobs(connection_id, open_connector)
        return [j for j in jobs if needle in j.title.lower()][:limit]

    def forget(self, connection_id: int) -> None:
        self._cache.forget(lambda key: key == connection_id)


class FieldCache:
    """``describe_fields`` per (connection, record type), kept briefly."""

    def __init__(self, ttl: float = FIELDS_TTL_SECONDS):
        self._cache: _Cache[tuple[int, str], list[FieldSpec]] = _Cache(ttl)

    async def fields(
        self, connection_id: int, record_type: str, open_connector: OpenConnector
    ) -> list[FieldSpec]:
        return await self._cache.get(
            (connection_id, record_type),
            lambda: _ask(open_connector, lambda c: c.describe_fields(record_type)),
        )

    def forget(self, connection_id: int) -> None:
        self._cache.forget(lambda key: key[0] == connection_id)
