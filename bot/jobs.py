"""What background work there is: one :class:`Job` per unit, named, with its arguments and its
locks. The same jobs run in-process (SQLite, one process) and on procrastinate workers
(PostgreSQL); :mod:`bot.tasks.work` holds the code each one runs, and :class:`TaskRunner` is
the seam they are submitted through.

``lock``: jobs with the same lock never run at the same time (every job that talks to one
connection's CRM shares ``connection:<id>``). ``queueing_lock``: at most one such job waits in
the queue; deferring another while one waits is a no-op, because the waiting one will see
whatever made us defer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = [
    "Job",
    "TaskRunner",
    "import_list",
    "post_alerts",
    "resync_contact",
    "resync_sequence",
    "status_pass",
    "sync_pass",
    "tick",
]


@dataclass(frozen=True, slots=True)
class Job:
    task: str
    args: dict[str, Any] = field(default_factory=dict)
    lock: str | None = None
    queueing_lock: str | None = None


class TaskRunner(Protocol):
    """Where jobs go: :class:`bot.tasks.runner.InProcessRunner` (one process) or
    :class:`bot.tasks.queue.ProcrastinateRunner` (PostgreSQL). Callers only ``submit``."""

    async def submit(self, job: Job) -> None:
        """Queue the job (at most once per ``queueing_lock``); returns without waiting."""

    async def run_now(self, job: Job) -> None:
        """Queue the job and wait until it has run (tests and the command line)."""

    async def start(self) -> None: ...

    async def stop(self) -> None:
        """Stop taking jobs; jobs in flight finish first."""

    async def queue_depth(self) -> dict[str, int]:
        """Jobs waiting (``todo``) and running (``doing``)."""


def _connection_lock(connection_id: int) -> str:
    return f"connection:{connection_id}"


def tick() -> Job:
    """Look for due work and defer it."""
    return Job("tick", lock="tick", queueing_lock="tick")


def sync_pass(workspace_id: str, connection_id: int) -> Job:
    return Job(
        "sync_pass",
        {"workspace_id": workspace_id, "connection_id": connection_id},
        lock=_connection_lock(connection_id),
        queueing_lock=f"sync_pass:{connection_id}",
    )


def status_pass(workspace_id: str, connection_id: int) -> Job:
    return Job(
        "status_pass",
        {"workspace_id": workspace_id, "connection_id": connection_id},
        lock=_connection_lock(connection_id),
        queueing_lock=f"status_pass:{connection_id}",
    )


def post_alerts() -> Job:
    return Job("post_alerts", lock="alerts", queueing_lock="alerts")


def resync_sequence(
    workspace_id: str,
    user_id: str,
    connection_id: int,
    sequence_id: int,
    channel_id: str | None,
    *,
    backfill: bool,
) -> Job:
    """``channel_id``: where the resync was asked for; it gets a pointer to the DM."""
    return Job(
        "resync_sequence",
        {
            "workspace_id": workspace_id,
            "user_id": user_id,
            "sequence_id": sequence_id,
            "channel_id": channel_id,
            "backfill": backfill,
        },
        lock=_connection_lock(connection_id),
    )


def resync_contact(
    workspace_id: str,
    user_id: str,
    connection_id: int,
    sequence_id: int,
    email: str,
    response_url: str | None,
) -> Job:
    return Job(
        "resync_contact",
        {
            "workspace_id": workspace_id,
            "user_id": user_id,
            "sequence_id": sequence_id,
            "email": email,
            "response_url": response_url,
        },
        lock=_connection_lock(connection_id),
    )


def import_list(workspace_id: str, user_id: str, import_id: int) -> Job:
    return Job(
        "import_list",
        {"workspace_id": workspace_id, "user_id": user_id, "import_id": import_id},
        lock=f"import:{import_id}",
        queueing_lock=f"import:{import_id}",
    )
