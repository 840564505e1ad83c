"""The TaskRunner seam: "run a sync pass for connection X" and "post pending alerts".

The in-process runner serves the embedded default (one process, SQLite): a lock per
connection so two passes of one connection never overlap, and a bound on passes in flight.
A distributed runner (procrastinate, one task per pass locked by connection id) plugs in
behind the same two methods.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from bot.notify.alerts import Notifier
from bot.sync.engine import SyncEngine

__all__ = ["InProcessRunner", "TaskRunner"]

log = logging.getLogger(__name__)


class TaskRunner(Protocol):
    async def submit_pass(self, workspace_id: str, connection_id: int) -> None: ...

    async def submit_alerts(self) -> None: ...

    async def drain(self) -> None: ...


class InProcessRunner:
    def __init__(self, engine: SyncEngine, notifier: Notifier, max_concurrent: int = 4):
        self.engine = engine
        self.notifier = notifier
        self._locks: dict[int, asyncio.Lock] = {}
        self._slots = asyncio.Semaphore(max_concurrent)
        self._tasks: set[asyncio.Task[None]] = set()
        self._alerts_lock = asyncio.Lock()

    async def submit_pass(self, workspace_id: str, connection_id: int) -> None:
        lock = self._locks.setdefault(connection_id, asyncio.Lock())
        if lock.locked():
            return  # a pass is running; it picks up whatever is due
        self._spawn(self._run_pass(lock, workspace_id, connection_id))

    async def submit_alerts(self) -> None:
        if not self._alerts_lock.locked():
            self._spawn(self._run_alerts())

    async def run_pass_now(self, workspace_id: str, connection_id: int) -> None:
        """Run a pass and wait for it (tests and resync); waits if one is running."""
        lock = self._locks.setdefault(connection_id, asyncio.Lock())
        await self._run_pass(lock, workspace_id, connection_id)

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _spawn(self, coro) -> None:  # type: ignore[no-untyped-def]
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run_pass(self, lock: asyncio.Lock, workspace_id: str, connection_id: int) -> None:
        async with lock, self._slots:
            try:
                await self.engine.run_pass(workspace_id, connection_id)
            except Exception:
                log.exception("sync pass crashed", extra={"connection_id": connection_id})
        await self.submit_alerts()

    async def _run_alerts(self) -> None:
        async with self._alerts_lock:
            try:
                await self.notifier.post_all()
            except Exception:
                log.exception("posting alerts crashed")
