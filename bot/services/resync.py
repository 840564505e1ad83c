"""Resync (PRODUCT.md rule 9): sync the contacts of a sequence that have no link to the
current connection and would sync under the current settings, optionally with their recorded
activity, including activity from before the connection (which normal syncing leaves out).

The use cases: :func:`find_target` checks the command; :func:`preview` looks the eligible
emails up in the CRM (to create / to link / skipped and why) without changing anything;
:func:`queue_one` and :func:`queue_bulk` hand the work to a background job, which runs
:func:`resync_one` or :func:`resync_bulk`: mark the chosen memberships due with the resync
trigger, run the connection's pass, and report :class:`ResyncProgress` while it goes.
Contacts already synced are never touched.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot import jobs
from bot.connectors.base import Connector, CrmRecord
from bot.connectors.errors import ConnectorError
from bot.services.context import ServiceContext
from bot.services.crms import crm, crm_name
from bot.services.problems import NotConnected, Problem, Refused
from bot.services.sequences import resolve_sequence
from bot.services.settings import find_connection, load_connection
from bot.states import ConnectionStatus, Reason, SyncState
from bot.storage import models as m
from bot.storage.models import Connection
from bot.storage.repos import Repo
from bot.sync.lookup import find_by_emails
from bot.sync.reasons import Why, why
from bot.sync.rules import ResyncSkip, apply_resync, resync_verdict

__all__ = [
    "BulkStart",
    "OneOutcome",
    "OneResult",
    "ResyncPlan",
    "ResyncProgress",
    "ResyncTarget",
    "find_target",
    "plan_resync",
    "preview",
    "queue_bulk",
    "queue_one",
    "resync_bulk",
    "resync_one",
    "resync_progress",
    "retry_failed",
    "run_resync",
    "start_resync",
]

PROGRESS_INTERVAL_SECONDS = 1.0
# A resync waits this long for a pass of its connection that is still running elsewhere.
RESYNC_LEASE_WAIT_SECONDS = 120.0


@dataclass(frozen=True)
class ResyncTarget:
    """A checked ``/crm resync``: the teammate's live connection and one of their sequences."""

    connection: Connection
    crm: str
    sequence_id: int
    sequence_name: str
    backfill_available: bool


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
    failures: list[tuple[str, Reason | None]] = field(default_factory=list)  # (email, reason)
    stopped: Reason | None = None


class OneOutcome(enum.StrEnum):
    COULD_NOT_ASK = "could_not_ask"
    NOT_IN_SEQUENCE = "not_in_sequence"
    NOT_RESYNCED = "not_resynced"
    RAN = "ran"


@dataclass(frozen=True)
class OneResult:
    """What became of a single-contact resync."""

    outcome: OneOutcome
    email: str
    crm: str
    sequence: str = ""
    detail: str = ""  # the CRM's words when it could not be asked
    skip: ResyncSkip | None = None
    progress: ResyncProgress | None = None
    record_url: str | None = None


@dataclass
class BulkStart:
    """A bulk resync that has marked its contacts due and is ready to run."""

    conn: Connection
    sequence_name: str
    crm: str
    due: list[int]
    skipped: int


Report = Callable[[ResyncProgress], Awaitable[None]]


# --- the command ------------------------------------------------------------------------------


async def find_target(
    ctx: ServiceContext, workspace_id: str, user_id: str, sequence_text: str
) -> ResyncTarget:
    """The teammate's connection and sequence for ``/crm resync``; :class:`Refused` when the
    teammate is not connected, must reconnect first, or has no such sequence."""
    conn = await load_connection(ctx, workspace_id, user_id)
    info = crm(conn.kind)
    name = info.name if info else conn.kind
    if conn.status == ConnectionStatus.NEEDS_REAUTH:
        raise Refused(Problem.NEEDS_RECONNECT, crm=name, kind=conn.kind)
    async with ctx.db.session() as session:
        seq = await resolve_sequence(Repo(session, workspace_id), user_id, sequence_text)
    backfill = conn.activity_enabled and info is not None and info.activity
    return ResyncTarget(conn, name, seq.id, seq.name, backfill)


async def queue_one(
    ctx: ServiceContext, target: ResyncTarget, email: str, response_url: str | None
) -> None:
    conn = target.connection
    job = jobs.resync_contact(
        conn.workspace_id, conn.user_id, conn.id, target.sequence_id, email, response_url
    )
    await ctx.runner.submit(job)


async def preview(ctx: ServiceContext, target: ResyncTarget) -> ResyncPlan:
    """What a resync of the whole sequence would do now, asked of the CRM."""
    connector = await ctx.connector_for(target.connection)
    try:
        return await plan_resync(ctx, connector, target.connection, target.sequence_id)
    except ConnectorError as exc:
        raise Refused(Problem.CRM_UNREACHABLE, crm=target.crm, detail=exc.reason) from exc
    finally:
        await connector.aclose()


async def queue_bulk(
    ctx: ServiceContext,
    workspace_id: str,
    user_id: str,
    sequence_id: int,
    channel_id: str | None,
    *,
    backfill: bool,
) -> None:
    """The teammate confirmed the preview: resync the sequence in the background."""
    conn = await find_connection(ctx, workspace_id, user_id)
    if conn is None:
        return
    job = jobs.resync_sequence(
        workspace_id, user_id, conn.id, sequence_id, channel_id, backfill=backfill
    )
    await ctx.runner.submit(job)


# --- the background work ----------------------------------------------------------------------


async def resync_one(
    ctx: ServiceContext, workspace_id: str, user_id: str, sequence_id: int, email: str
) -> OneResult | None:
    """Resync one contact now; None when the teammate is no longer connected."""
    try:
        conn = await load_connection(ctx, workspace_id, user_id)
    except NotConnected:
        return None
    name = crm_name(conn.kind)
    connector = await ctx.connector_for(conn)
    try:
        plan = await plan_resync(ctx, connector, conn, sequence_id, email)
    except ConnectorError as exc:
        return OneResult(OneOutcome.COULD_NOT_ASK, email, name, detail=exc.reason)
    finally:
        await connector.aclose()
    seq = plan.sequence_name
    if plan.total == 0:
        return OneResult(OneOutcome.NOT_IN_SEQUENCE, email, name, seq)
    if not plan.eligible:
        [skip] = list(plan.skipped)
        return OneResult(OneOutcome.NOT_RESYNCED, email, name, seq, skip=skip)
    due = await start_resync(ctx, conn, plan.eligible, backfill=conn.activity_enabled)
    await run_pass_waiting(ctx, conn)
    progress = await resync_progress(ctx, conn.workspace_id, conn.id, due)
    url = await _record_url(ctx, conn, email)
    return OneResult(OneOutcome.RAN, email, name, seq, progress=progress, record_url=url)


async def resync_bulk(
    ctx: ServiceContext,
    workspace_id: str,
    user_id: str,
    sequence_id: int,
    *,
    backfill: bool,
    progress: Callable[[BulkStart, ResyncProgress], Awaitable[None]],
    interval: float = PROGRESS_INTERVAL_SECONDS,
) -> tuple[BulkStart, ResyncProgress] | None:
    """Mark the sequence's eligible contacts due, run the pass, and call ``progress`` at the
    start and then every ``interval`` seconds; returns the final progress (None when the
    teammate is no longer connected or the sequence is not theirs)."""
    start = await _start_bulk(ctx, workspace_id, user_id, sequence_id, backfill=backfill)
    if start is None:
        return None
    await progress(start, ResyncProgress(total=len(start.due)))

    async def report(current: ResyncProgress) -> None:
        await progress(start, current)

    final = await run_resync(
        ctx, start.conn, start.due, lambda: run_pass_waiting(ctx, start.conn), report, interval
    )
    return start, final


async def retry_failed(ctx: ServiceContext, workspace_id: str, user_id: str) -> int:
    """Give every failed contact of the teammate's sequences another go (App Home "Retry");
    returns how many are due again."""
    conn = await find_connection(ctx, workspace_id, user_id)
    if conn is None:
        return 0
    async with ctx.db.session() as session:
        ids = await Repo(session, workspace_id).failed_membership_ids(user_id)
    due = await start_resync(ctx, conn, ids, backfill=False)
    if due:
        await ctx.runner.submit(jobs.sync_pass(workspace_id, conn.id))
    return len(due)


async def run_pass_waiting(ctx: ServiceContext, conn: Connection) -> None:
    """The connection's pass, waiting for one that is running elsewhere to finish."""
    await ctx.engine.run_pass(conn.workspace_id, conn.id, wait_seconds=RESYNC_LEASE_WAIT_SECONDS)
    await ctx.runner.submit(jobs.post_alerts())


# --- steps ------------------------------------------------------------------------------------


async def plan_resync(
    ctx: ServiceContext,
    connector: Connector,
    conn: Connection,
    sequence_id: int,
    email: str | None = None,
) -> ResyncPlan:
    """What a resync would do now, checked against the CRM with a real find-by-emails."""
    async with ctx.db.session() as session:
        repo = Repo(session, conn.workspace_id)
        wanted = email.strip().lower() if email is not None else None
        rows = await repo.members_of_sequence(sequence_id, wanted)
        sequence = await repo.sequence(sequence_id)
        links = await repo.links_for(conn.id, (c.id for _, c in rows))
    plan = ResyncPlan(sequence_id, sequence.name if sequence else "")
    candidates: list[tuple[m.Membership, m.Contact]] = []
    for membership, contact in rows:
        verdict = resync_verdict(membership, sequence, conn, contact.id in links)
        if verdict.skip is not None:
            plan.skipped[verdict.skip] += 1
        else:
            candidates.append((membership, contact))
    found = await find_by_emails(connector, sorted({c.email for _, c in candidates}))
    for membership, contact in candidates:
        record = found.get(contact.email)
        if record is None:
            plan.to_create.append(membership.id)
        else:
            plan.to_link.append(membership.id)
            plan.found[membership.id] = record
    return plan


async def start_resync(
    ctx: ServiceContext, conn: Connection, membership_ids: list[int], *, backfill: bool
) -> list[int]:
    """Apply the resync trigger; the rules are checked again (settings may have changed since
    the preview). Returns the memberships now due."""
    due: list[int] = []
    name = crm_name(conn.kind)
    async with ctx.db.session() as session:
        repo = Repo(session, conn.workspace_id)
        rows = await repo.memberships_by_ids(membership_ids)
        links = await repo.links_for(conn.id, (c.id for _, _, c in rows))
        for membership, sequence, contact in rows:
            if sequence.owner_user_id != conn.user_id:
                continue
            verdict = apply_resync(
                membership, sequence, conn, name, linked=contact.id in links, backfill=backfill
            )
            if verdict.eligible:
                due.append(membership.id)
    return due


async def _start_bulk(
    ctx: ServiceContext, workspace_id: str, user_id: str, sequence_id: int, *, backfill: bool
) -> BulkStart | None:
    conn = await find_connection(ctx, workspace_id, user_id)
    if conn is None:
        return None
    async with ctx.db.session() as session:
        repo = Repo(session, workspace_id)
        sequence = await repo.owned_sequence(sequence_id, user_id)
        if sequence is None:
            return None
        members = await repo.membership_ids_in_sequence(sequence_id)
    due = await start_resync(ctx, conn, members, backfill=backfill)
    return BulkStart(conn, sequence.name, crm_name(conn.kind), due, len(members) - len(due))


async def resync_progress(
    ctx: ServiceContext, workspace_id: str, connection_id: int, membership_ids: list[int]
) -> ResyncProgress:
    progress = ResyncProgress(total=len(membership_ids))
    if not membership_ids:
        return progress
    async with ctx.db.session() as session:
        repo = Repo(session, workspace_id)
        rows = await repo.progress_rows(connection_id, membership_ids)
        progress.activities = await repo.activities_written(connection_id, membership_ids)
        conn = await repo.connection(connection_id)
    for membership, contact, link in rows:
        _count(progress, membership, contact, link)
    if conn is None or conn.status != ConnectionStatus.ACTIVE:
        progress.stopped = (conn.status_reason if conn else None) or why(Why.CONNECTION_REMOVED)
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
        progress.failures.append((contact.email, membership.sync_reason))


async def run_resync(
    ctx: ServiceContext,
    conn: Connection,
    membership_ids: list[int],
    run_pass: Callable[[], Awaitable[None]],
    report: Report,
    interval: float = PROGRESS_INTERVAL_SECONDS,
) -> ResyncProgress:
    """Run the connection's pass (which takes everything due, the resynced contacts included)
    and call ``report`` with the progress every ``interval`` seconds while it runs."""

    async def tick() -> None:
        while True:
            await asyncio.sleep(interval)
            await report(await resync_progress(ctx, conn.workspace_id, conn.id, membership_ids))

    ticker = asyncio.create_task(tick())
    try:
        await run_pass()
    finally:
        ticker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticker
    return await resync_progress(ctx, conn.workspace_id, conn.id, membership_ids)


async def _record_url(ctx: ServiceContext, conn: Connection, email: str) -> str | None:
    """Where the contact's CRM record opens, once it is linked."""
    async with ctx.db.session() as session:
        repo = Repo(session, conn.workspace_id)
        contact = await repo.contact_by_email(email)
        if contact is None:
            return None
        link = (await repo.links_for(conn.id, [contact.id])).get(contact.id)
    return link.record_url if link else None
