"""Jobs on PostgreSQL through procrastinate: any number of web processes defer, any number of
worker processes run.

* Every job of :mod:`bot.jobs` is a procrastinate task of the same name; a job's
  ``lock`` and ``queueing_lock`` become procrastinate's, so one connection's jobs never run
  at once anywhere and each is queued at most once.
* The clock is two periodic tasks: ``periodic_tick`` (defers what is due, every
  SYNC_INTERVAL_SECONDS) and ``recover_stalled`` (puts back the jobs of a worker that stopped
  sending heartbeats, i.e. was killed, so another worker runs them).
* A worker that is told to stop takes no new job, lets the running ones finish for up to
  ``shutdown_seconds`` and then cancels them; a cancelled job is retried elsewhere.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import procrastinate
import procrastinate.jobs
from procrastinate import exceptions as queue_errors
from procrastinate.job_context import JobContext

from bot.jobs import Job
from bot.storage.db import libpq_url
from bot.tasks.work import TASKS, TaskContext, describe

__all__ = ["ProcrastinateRunner", "WorkerOptions"]

log = logging.getLogger(__name__)

FINISHED = {"succeeded", "failed", "cancelled", "aborted"}
RUN_NOW_POLL_SECONDS = 0.1
RECOVER_EVERY_SECONDS = 10
# A job that raised is tried again a few times with a growing wait; the sync state lives in
# our tables, so the periodic tick would find the work again anyway.
RETRY = procrastinate.RetryStrategy(max_attempts=3, exponential_wait=2)


@dataclass(frozen=True, slots=True)
class WorkerOptions:
    concurrency: int = 4
    shutdown_seconds: float = 30.0
    heartbeat_seconds: float = 10.0
    stalled_seconds: float = 30.0


def every(seconds: float, *, at_least: int = 1) -> str:
    """A cron expression (procrastinate's optional 6th column is seconds) for ``seconds``."""
    step = max(at_least, math.ceil(seconds))
    if step < 60:
        return f"* * * * * */{step}"
    return f"*/{max(1, step // 60)} * * * *"


class ProcrastinateRunner:
    def __init__(
        self,
        ctx: TaskContext,
        database_url: str,
        *,
        interval_seconds: float,
        worker: WorkerOptions | None = None,
        pool_size: int = 4,
    ):
        self.ctx = ctx
        self.options = worker or WorkerOptions()
        connector = procrastinate.PsycopgConnector(
            conninfo=libpq_url(database_url), min_size=1, max_size=pool_size
        )
        self.app = procrastinate.App(connector=connector)
        self._register(interval_seconds)
        self._opened = False

    # tasks --------------------------------------------------------------------------------

    def _register(self, interval_seconds: float) -> None:
        for name, run in TASKS.items():
            self.app.task(name=name, pass_context=True, retry=RETRY)(self._bind(name, run))

        @self.app.periodic(cron=every(interval_seconds), periodic_id="tick")
        @self.app.task(name="periodic_tick", queueing_lock="periodic_tick", lock="tick")
        async def periodic_tick(timestamp: int) -> None:
            await TASKS["tick"](self.ctx)

        @self.app.periodic(cron=every(RECOVER_EVERY_SECONDS), periodic_id="recover")
        @self.app.task(name="recover_stalled", queueing_lock="recover_stalled")
        async def recover_stalled(timestamp: int) -> None:
            await self.recover_stalled()

    def _bind(self, name: str, run: Callable[..., Awaitable[None]]):
        async def task(context: JobContext, **kwargs: Any) -> None:
            fields = {**describe(name, kwargs), "job_id": context.job.id}
            log.debug("task started", extra=fields)
            await run(self.ctx, **kwargs)

        task.__name__ = name
        return task

    async def recover_stalled(self) -> int:
        """Put back the jobs of workers that stopped sending heartbeats (killed, or cut off
        from the database): another worker picks them up. A job whose worker is merely slow
        finds its connection's lease still held and stands aside."""
        stalled = await self.app.job_manager.get_stalled_jobs(
            seconds_since_heartbeat=self.options.stalled_seconds
        )
        for job in stalled:
            await self._recover(job)
        return len(list(stalled))

    async def _recover(self, job: procrastinate.jobs.Job) -> None:
        fields = {"task": job.task_name, "job_id": job.id}
        try:
            await self.app.job_manager.retry_job(job)
            log.warning("retrying a job whose worker stopped", extra=fields)
        except queue_errors.UniqueViolation:
            # A twin waits with the same queueing lock and does the same work; this one only
            # has to give up the connection's lock, or the twin could never start.
            await self.app.job_manager.finish_job(
                job, status=procrastinate.jobs.Status.ABORTED, delete_job=False
            )
            log.warning("a job whose worker stopped gave way to its queued twin", extra=fields)

    # TaskRunner ---------------------------------------------------------------------------

    async def start(self) -> None:
        if not self._opened:
            await self.app.open_async()
            self._opened = True

    async def stop(self) -> None:
        if self._opened:
            await self.app.close_async()
            self._opened = False

    async def submit(self, job: Job) -> None:
        await self._defer(job)

    async def run_now(self, job: Job) -> None:
        job_id = await self._defer(job)
        while job_id is not None:
            [state] = await self.app.job_manager.list_jobs_async(id=job_id) or [None]
            if state is None or state.status in FINISHED:
                return
            await asyncio.sleep(RUN_NOW_POLL_SECONDS)

    async def _defer(self, job: Job) -> int | None:
        """The id of the deferred job, or of the one already waiting with its queueing lock."""
        deferrer = self.app.configure_task(job.task, lock=job.lock, queueing_lock=job.queueing_lock)
        try:
            return await deferrer.defer_async(**job.args)
        except queue_errors.AlreadyEnqueued:
            waiting = await self.app.job_manager.list_jobs_async(
                queueing_lock=job.queueing_lock, status="todo"
            )
            return next((j.id for j in waiting), None)

    # the worker ---------------------------------------------------------------------------

    async def run_worker(self, name: str = "worker") -> None:
        """Run jobs until cancelled; cancelling stops gracefully (see the module docstring)."""
        await self.app.run_worker_async(
            name=name,
            concurrency=self.options.concurrency,
            install_signal_handlers=False,
            shutdown_graceful_timeout=self.options.shutdown_seconds,
            update_heartbeat_interval=self.options.heartbeat_seconds,
            stalled_worker_timeout=self.options.stalled_seconds,
            delete_jobs="successful",
        )

    async def queue_depth(self) -> dict[str, int]:
        """Jobs waiting and running, fleet-wide (for /metrics)."""
        counts = {"todo": 0, "doing": 0}
        for queue in await self.app.job_manager.list_queues_async():
            for status in counts:
                counts[status] += int(queue.get(status) or 0)
        return counts
