"""The in-process clock (embedded default): every SYNC_INTERVAL_SECONDS, run the tick job,
which defers whatever is due. On PostgreSQL, procrastinate's periodic tasks replace it."""

from __future__ import annotations

import asyncio
import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot import jobs
from bot.jobs import TaskRunner

__all__ = ["Clock"]

log = logging.getLogger(__name__)


class Clock:
    def __init__(self, runner: TaskRunner, interval_seconds: float):
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
            await self.runner.run_now(jobs.tick())

    @property
    def running(self) -> bool:
        return self.scheduler.running

    def start(self) -> None:
        self.scheduler.start()

    async def stop(self) -> None:
        """Stop ticking and let a tick in flight finish (it holds a database session)."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        async with self._ticking:
            pass
