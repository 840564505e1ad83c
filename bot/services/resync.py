"""Resync (PRODUCT.md rule 9): sync the contacts of a sequence that have no link to the
current connection and would sync under the current settings, optionally with their recorded
activity, including activity from before the connection (which normal syncing leaves out).

The flow: :func:`plan_resync` looks the eligible emails up in the CRM (to create / to link /
skipped and why) without changing anything; :func:`start_resync` marks the chosen memberships
due with the resync trigger; :func:`run_resync` runs the connection's pass and reports
:class:`ResyncProgress` while it goes. Contacts already synced are never touched.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.connectors.base import Connector, CrmRecord
from bot.connectors.registry import display_name
from bot.services.settings import NotConnected, load_connection
from bot.storage import models as m
from bot.storage.db import Database
from bot.storage.models import Connection, ConnectionStatus, SyncState
from bot.storage.repos import Repo
from bot.sync.rules import ResyncSkip, apply_resync, resync_verdict

__all__ = [
    "BulkStart",
    "ResyncPlan",
    "ResyncProgress",
    "plan_resync",
    "record_url",
    "resync_progress",
    "retry_failed",
    "run_resync",
    "start_bulk",
    "start_resync",
]


@dataclass
class ResyncPlan:
    sequence_id: int
    sequence_name: str
    to_create: list[int] = field(default_factory=list)  # membership ids
    to_link: list[int] = field(default_factory=list)
    skipped: Counter[ResyncSkip] = field(default_factory=Counter)
    found: dict[int, CrmRecord] = field(default_factory=dict)  # membership id → CRM record

    @property
    def eligible(self) -> list[int]:
        return self.to_create + self.to_link

    @property
    def total(self) -> int:
        return len(self.eligible) + sum(self.skipped.values())


@dataclass
class ResyncProgress:
    total: int
    done: int = 0
    created: int = 0
    linked: int = 0
    failed: int = 0
    retrying: int = 0
    activities: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)  # (email, reason)
    stopped: str | None = None


async def plan_resync(
    db: Database,
    connector: Connector,
    conn: Connection,
    sequence_id: int,
    email: str | None = None,
) -> ResyncPlan:
    """What a resync would do now, checked against the CRM with a real find-by-emails."""
    async with db.session() as session:
        repo = Repo(session, conn.workspace_id)
        rows = await _members(repo, sequence_id, email)
        sequence = await session.get(m.Sequence, sequence_id)
        links = await repo.links_for(conn.id, (c.id for _, c in rows))
    plan = ResyncPlan(sequence_id, sequence.name if sequence else "")
    candidates: list[tuple[m.Membership, m.Contact]] = []
    for membership, contact in rows:
        verdict = resync_verdict(membership, sequence, conn, contact.id in links)
        if verdict.skip is not None:
            plan.skipped[verdict.skip] += 1
        else:
            candidates.append((membership, contact))
    found = await _find(connector, sorted({c.email for _, c in candidates}))
    for membership, contact in candidates:
        record = found.get(contact.email)
        if record is None:
            plan.to_create.append(membership.id)
        else:
            plan.to_link.append(membership.id)
            plan.found[membership.id] = record
    return plan


async def _members(
    repo: Repo, sequence_id: int, email: str | None
) -> list[tuple[m.Membership, m.Contact]]:
    query = (
        select(m.Membership, m.Contact)
        .join(m.Contact, m.Contact.id == m.Membership.contact_id)
        .where(m.Membership.workspace_id == repo.ws, m.Membership.sequence_id == sequence_id)
        .order_by(m.Membership.id)
    )
    if email is not None:
        query = query.where(m.Contact.email == email.strip().lower())
    return [(ms, c) for ms, c in (await repo.session.execute(query)).all()]


async def _find(connector: Connector, emails: list[str]) -> dict[str, CrmRecord]:
    found: dict[str, CrmRecord] = {}
    size = max(1, connector.find_batch_size)
    for start in range(0, len(emails), size):
        found.update(await connector.find_by_emails(emails[start : start + size]))
    return found


async def start_resync(
    db: Database, conn: Connection, membership_ids: list[int], *, backfill: bool
) -> list[int]:
    """Apply the resync trigger; the rules are checked again (settings may have changed since
    the preview). Returns the memberships now due."""
    due: list[int] = []
    crm = display_name(conn.kind)
    async with db.session() as session:
        repo = Repo(session, conn.workspace_id)
        result = await session.execute(
            select(m.Membership, m.Sequence, m.Contact)
            .join(m.Sequence, m.Sequence.id == m.Membership.sequence_id)
            .join(m.Contact, m.Contact.id == m.Membership.contact_id)
            .where(
                m.Membership.workspace_id == conn.workspace_id,
                m.Membership.id.in_(membership_ids),
            )
            .order_by(m.Membership.id)
        )
        rows = list(result.all())
        links = await repo.links_for(conn.id, (c.id for _, _, c in rows))
        for membership, sequence, contact in rows:
            if sequence.owner_user_id != conn.user_id:
                continue
            verdict = apply_resync(
                membership, sequence, conn, crm, linked=contact.id in links, backfill=backfill
            )
            if verdict.eligible:
                due.append(membership.id)
    return due


async def resync_progress(
    db: Database, workspace_id: str, connection_id: int, membership_ids: list[int]
) -> ResyncProgress:
    progress = ResyncProgress(total=len(membership_ids))
    if not membership_ids:
        return progress
    async with db.session() as session:
        rows = (
            await session.execute(
                select(m.Membership, m.Contact, m.SyncLink)
                .join(m.Contact, m.Contact.id == m.Membership.contact_id)
                .outerjoin(
                    m.SyncLink,
                    (m.SyncLink.contact_id == m.Contact.id)
                    & (m.SyncLink.connection_id == connection_id),
                )
                .where(
                    m.Membership.workspace_id == workspace_id,
                    m.Membership.id.in_(membership_ids),
                )
            )
        ).all()
        progress.activities = await _activities_written(
            session, workspace_id, connection_id, membership_ids
        )
        conn = await Repo(session, workspace_id).connection(connection_id)
    for membership, contact, link in rows:
        _count(progress, membership, contact, link)
    if conn is None or conn.status != ConnectionStatus.ACTIVE:
        progress.stopped = (conn.status_reason if conn else None) or "The connection was removed."
    elif conn.paused_until is not None and progress.done < progress.total:
        progress.stopped = conn.status_reason
    return progress


def _count(
    progress: ResyncProgress, membership: m.Membership, contact: m.Contact, link: m.SyncLink | None
) -> None:
    state = membership.sync_state
    if state == SyncState.PENDING:
        if membership.sync_attempts:
            progress.retrying += 1
        return
    progress.done += 1
    if state == SyncState.SYNCED and link is not None:
        if link.created_in_crm:
            progress.created += 1
        else:
            progress.linked += 1
    elif state == SyncState.FAILED:
        progress.failed += 1
        progress.failures.append((contact.email, membership.sync_reason or "unknown reason"))


async def _activities_written(
    session: AsyncSession, workspace_id: str, connection_id: int, membership_ids: list[int]
) -> int:
    return (
        await session.scalar(
            select(func.count(m.ActivityPush.id))
            .join(m.Activity, m.Activity.id == m.ActivityPush.activity_id)
            .where(
                m.ActivityPush.workspace_id == workspace_id,
                m.ActivityPush.connection_id == connection_id,
                m.ActivityPush.status == "done",
                m.Activity.membership_id.in_(membership_ids),
            )
        )
        or 0
    )


async def run_resync(
    db: Database,
    conn: Connection,
    membership_ids: list[int],
    run_pass: Callable[[], Awaitable[None]],
    report: Callable[[ResyncProgress], Awaitable[None]],
    interval: float = 1.0,
) -> ResyncProgress:
    """Run the connection's pass (which takes everything due, the resynced contacts included)
    and call ``report`` with the progress every ``interval`` seconds while it runs."""

    async def tick() -> None:
        while True:
            await asyncio.sleep(interval)
            await report(await resync_progress(db, conn.workspace_id, conn.id, membership_ids))

    ticker = asyncio.create_task(tick())
    try:
        await run_pass()
    finally:
        ticker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticker
    return await resync_progress(db, conn.workspace_id, conn.id, membership_ids)


async def retry_failed(db: Database, conn: Connection) -> int:
    """Give every failed contact of the teammate's sequences another go (App Home "Retry")."""
    async with db.session() as session:
        ids = list(
            await session.scalars(
                select(m.Membership.id)
                .join(m.Sequence, m.Sequence.id == m.Membership.sequence_id)
                .where(
                    m.Membership.workspace_id == conn.workspace_id,
                    m.Sequence.owner_user_id == conn.user_id,
                    m.Membership.sync_state == SyncState.FAILED,
                )
            )
        )
    return len(await start_resync(db, conn, ids, backfill=False))


@dataclass
class BulkStart:
    """A bulk resync that has marked its contacts due and is ready to run."""

    conn: Connection
    sequence_name: str
    crm: str
    due: list[int]
    skipped: int


async def start_bulk(
    db: Database, workspace_id: str, user_id: str, sequence_id: int, *, backfill: bool
) -> BulkStart | None:
    """Mark every eligible contact of the teammate's sequence due (None when the teammate
    is no longer connected or the sequence is not theirs)."""
    try:
        conn = await load_connection(db, workspace_id, user_id)
    except NotConnected:
        return None
    async with db.session() as session:
        sequence = await session.get(m.Sequence, sequence_id)
        if sequence is None or (sequence.workspace_id, sequence.owner_user_id) != (
            workspace_id,
            user_id,
        ):
            return None
        members = list(
            await session.scalars(
                select(m.Membership.id)
                .where(
                    m.Membership.workspace_id == workspace_id,
                    m.Membership.sequence_id == sequence_id,
                )
                .order_by(m.Membership.id)
            )
        )
    due = await start_resync(db, conn, members, backfill=backfill)
    return BulkStart(conn, sequence.name, display_name(conn.kind), due, len(members) - len(due))


async def record_url(db: Database, conn: Connection, email: str) -> str | None:
    """Where the contact's CRM record opens, once it is linked."""
    async with db.session() as session:
        repo = Repo(session, conn.workspace_id)
        contact = await repo.contact_by_email(email)
        if contact is None:
            return None
        link = (await repo.links_for(conn.id, [contact.id])).get(contact.id)
    return link.record_url if link else None
