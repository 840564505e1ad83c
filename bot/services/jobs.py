"""Open jobs of a connection's CRM, cached: external selects must answer within 3 s, and
the CRM's job list pages slowly, so the modal opening warms the cache."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from bot.connectors.base import Connector, CrmJob

__all__ = ["JobCache"]

TTL_SECONDS = 300


class JobCache:
    def __init__(self, ttl: float = TTL_SECONDS):
        self.ttl = ttl
        self._jobs: dict[int, tuple[float, list[CrmJob]]] = {}
        self._locks: dict[int, asyncio.Lock] = {}

    async def jobs(
        self, connection_id: int, open_connector: Callable[[], Awaitable[Connector]]
    ) -> list[CrmJob]:
        cached = self._jobs.get(connection_id)
        if cached and time.monotonic() - cached[0] < self.ttl:
            return cached[1]
        async with self._locks.setdefault(connection_id, asyncio.Lock()):
            cached = self._jobs.get(connection_id)
            if cached and time.monotonic() - cached[0] < self.ttl:
                return cached[1]
            connector = await open_connector()
            try:
                jobs = await connector.list_jobs()
            finally:
                await connector.aclose()
            self._jobs[connection_id] = (time.monotonic(), jobs)
            return jobs

    async def search(
        self,
        connection_id: int,
        open_connector: Callable[[], Awaitable[Connector]],
        query: str,
        limit: int = 100,
    ) -> list[CrmJob]:
        needle = query.strip().lower()
        jobs = await self.jobs(connection_id, open_connector)
        return [j for j in jobs if needle in j.title.lower()][:limit]

    def forget(self, connection_id: int) -> None:
        self._jobs.pop(connection_id, None)
