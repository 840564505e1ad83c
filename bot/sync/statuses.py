"""Status advance (PRODUCT.md rule 11): email activity moves the CRM record's status.

first email sent → ``Messaged``; reply → ``Replied``; reply sentiment → ``Interested`` or
``Not Interested``. Only statuses whose name matches exactly are used; when some are missing,
those changes are skipped (recorded as ``missing``) and the teammate gets one warning naming
them, remembered on the connection so it is not repeated per contact or per pass.

Each (activity, status) is recorded in ``status_pushes`` before the CRM call, so a status is
written at most once per membership; a row left ``in_flight`` by a crash is simply written
again, which is harmless because setting the same status twice changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.connectors.base import Connector, CrmRecord, CrmStatus, StatusAdvancer
from bot.connectors.errors import TransientError, ValidationError
from bot.states import Reason
from bot.storage.db import Database
from bot.storage.models import Activity, Connection, SyncLink
from bot.storage.repos import Repo
from bot.sync import reasons
from bot.sync.reasons import Why, why
from bot.sync.rules import effective_settings

__all__ = [
    "ALERT_STATUSES_MISSING",
    "STATUS_NAMES",
    "advance_statuses",
    "missing_statuses",
    "targets_of",
]

log = logging.getLogger(__name__)

MESSAGED, REPLIED = "Messaged", "Replied"
INTERESTED, NOT_INTERESTED = "Interested", "Not Interested"
STATUS_NAMES = (MESSAGED, REPLIED, INTERESTED, NOT_INTERESTED)
# A later status never gives way to an earlier one (a follow-up email after a reply does not
# move the record back to Messaged); the two sentiments share a rank so either can follow.
RANK = {MESSAGED: 1, REPLIED: 2, INTERESTED: 3, NOT_INTERESTED: 3}
SENTIMENTS = {"interested": INTERESTED, "not_interested": NOT_INTERESTED}
ALERT_STATUSES_MISSING = "statuses_missing"
BATCH = 200

Call = Callable[[Callable[[], Awaitable[Any]]], Awaitable[Any]]


def targets_of(activity: Activity) -> list[str]:
    """The statuses one activity calls for, in the order they are applied."""
    if activity.kind == "sent":
        return [MESSAGED]
    if activity.kind == "replied":
        sentiment = SENTIMENTS.get((activity.sentiment or "").strip().lower())
        return [REPLIED, sentiment] if sentiment else [REPLIED]
    return []


def missing_statuses(available: list[CrmStatus]) -> list[str]:
    names = {s.name for s in available}
    return [name for name in STATUS_NAMES if name not in names]


async def advance_statuses(db: Database, conn: Connection, connector: Connector, call: Call) -> int:
    """Apply the status changes due for this connection; returns how many were written.
    ``call`` wraps connector calls (the engine's, which stops the pass on auth/rate limits)."""
    if not conn.status_advance or not isinstance(connector, StatusAdvancer):
        return 0
    async with db.session() as session:
        rows = await Repo(session, conn.workspace_id).status_due(conn, BATCH)
    if not rows:
        return 0
    available = await call(connector.list_statuses)
    by_name = {s.name: s for s in available}
    await _warn_once(db, conn, missing_statuses(available))
    written = 0
    for activity, link, sequence in rows:
        names = targets_of(activity)
        await _claim(db, conn, activity, names)
        job_id = effective_settings(sequence, conn).job_id
        for name in names:
            status = by_name.get(name)
            written += await _push(db, conn, connector, call, activity, link, job_id, name, status)
    return written


async def _claim(db: Database, conn: Connection, activity: Activity, names: list[str]) -> None:
    """Record every status this activity calls for before writing any, so an interrupted
    pass leaves them all in flight (and so due again) rather than some silently dropped."""
    async with db.session() as session:
        await Repo(session, conn.workspace_id).claim_status_pushes(conn.id, activity, names)


async def _push(
    db: Database,
    conn: Connection,
    connector: StatusAdvancer,
    call: Call,
    activity: Activity,
    link: SyncLink,
    job_id: str | None,
    name: str,
    status: CrmStatus | None,
) -> int:
    async with db.session() as session:
        repo = Repo(session, conn.workspace_id)
        push = await repo.status_push(conn.id, activity.id, name)
        if push is None or push.state != "in_flight":
            return 0
        push.state, push.reason = await _decide(repo, conn, activity, name, status)
        decided = push.state
    if decided != "in_flight" or status is None:
        return 0
    record = CrmRecord(id=link.crm_record_id, record_type=link.record_type, emails=())
    try:
        await call(lambda: connector.set_status(record, status, job_id))
        state, reason = "done", None
    except ValidationError as exc:
        state, reason = "failed", reasons.crm_answer(exc.reason)
    except TransientError:
        return 0  # stays in flight: written again on the next pass
    async with db.session() as session:
        row = await Repo(session, conn.workspace_id).status_push(conn.id, activity.id, name)
        if row is not None:
            row.state, row.reason = state, reason
    return 1 if state == "done" else 0


async def _decide(
    repo: Repo, conn: Connection, activity: Activity, name: str, status: CrmStatus | None
) -> tuple[str, Reason | None]:
    """What to do with one status: write it (``in_flight``) or record why not."""
    if status is None:
        return "missing", why(Why.NO_SUCH_STATUS, status=name)
    done_names = await repo.statuses_written(conn.id, activity.membership_id)
    if name in done_names:
        return "unchanged", why(Why.ALREADY_STATUS, status=name)
    if any(RANK[d] > RANK[name] for d in done_names if d in RANK):
        return "unchanged", why(Why.ALREADY_PAST_STATUS, status=name)
    return "in_flight", None


async def _warn_once(db: Database, conn: Connection, missing: list[str]) -> None:
    """One warning per set of missing statuses; cleared once they all exist again."""
    text = ", ".join(missing) or None
    async with db.session() as session:
        repo = Repo(session, conn.workspace_id)
        row = await repo.connection(conn.id)
        if row is None or row.status_warning == text:
            return
        row.status_warning = text
        if text:
            await repo.add_user_alert(conn.user_id, ALERT_STATUSES_MISSING)
            log.info("status advance: statuses missing", extra={"connection_id": conn.id})
