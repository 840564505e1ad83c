"""The clock: every SYNC_INTERVAL_SECONDS, find connections with due work and submit a pass."""

from __future__ import annotations

import asyncio
import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.storage.db import Database
from bot.storage.models import utcnow
from bot.storage.repos import due_connections
from bot.tasks.runner import TaskRunner

__all__ = ["Clock"]

log = logging.getLogger(__name__)


class Clock:
    def __init__(self, db: Database, runner: TaskRunner, interval_seconds: float):
        self.db = db
        self.runner = runner
        self._ticking = asyncio.Lock()
        self.scheduler = AsyncIOScheduler()
        self.scheduler.add_job(
            self.tick,
            "interval",
            seconds=interval_seconds,
            id="sync-tick",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )

    async def tick(self) -> None:
        async with self._ticking:
            await self._tick()

    async def _tick(self) -> None:
        try:
            async with self.db.session() as session:
                due = await due_connections(session, utcnow())
            for workspace_id, connection_id in due:
                await self.runner.submit_pass(workspace_id, connection_id)
            await self.runner.submit_alerts()
        except Exception:
            log.exception("scheduler tick failed")

    def start(self) -> None:
        self.scheduler.start()

    async def stop(self) -> None:
        """Stop ticking and let a tick in flight finish (it holds a database session)."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        async with self._ticking:
            pass
