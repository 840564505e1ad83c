"""The TaskRunner seam: where background jobs run.

:class:`InProcessRunner` serves the embedded default (one process, SQLite): jobs run as asyncio
tasks of this process, with the jobs' locks as ``asyncio.Lock``s and a bound on jobs in
flight. :class:`bot.tasks.queue.ProcrastinateRunner` serves fleets on PostgreSQL: jobs are
deferred to procrastinate and run by worker processes. Callers only ``submit`` jobs, through
the :class:`~bot.jobs.TaskRunner` protocol.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any

from bot.jobs import Job, TaskRunner
from bot.tasks.work import TASKS, TaskContext, describe

__all__ = ["InProcessRunner", "TaskRunner"]

log = logging.getLogger(__name__)


class InProcessRunner:
    def __init__(self, ctx: TaskContext, max_concurrent: int = 4):
        self.ctx = ctx
        self._locks: dict[str, asyncio.Lock] = {}
        self._waiting: set[str] = set()
        self._slots = asyncio.Semaphore(max_concurrent)
        self._tasks: set[asyncio.Task[None]] = set()

    async def submit(self, job: Job) -> None:
        if job.queueing_lock is not None:
            if job.queueing_lock in self._waiting:
                return
            self._waiting.add(job.queueing_lock)
        self._spawn(self._run(job))

    async def run_now(self, job: Job) -> None:
        await self._run(job)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        await self.drain()

    async def queue_depth(self) -> dict[str, int]:
        return {"todo": len(self._waiting), "doing": len(self._tasks) - len(self._waiting)}

    async def drain(self) -> None:
        """Wait until no job is running or waiting (jobs may submit more jobs)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, job: Job) -> None:
        lock = self._locks.setdefault(job.lock, asyncio.Lock()) if job.lock else None
        async with lock or contextlib.nullcontext(), self._slots:
            if job.queueing_lock is not None:
                self._waiting.discard(job.queueing_lock)
            try:
                await TASKS[job.task](self.ctx, **job.args)
            except Exception:
                log.exception("task crashed", extra=describe(job.task, job.args))
