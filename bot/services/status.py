"""``/crm status``: the connection's health and queue, and one contact's sync timeline with
the reason and the fix for anything that did not sync (PRODUCT.md rule 15)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.connectors.registry import display_name
from bot.storage import models as m
from bot.storage.db import Database
from bot.storage.models import ConnectionStatus, SyncState, utcnow
from bot.storage.repos import Repo

__all__ = [
    "ConnectionHealth",
    "ContactTimeline",
    "Failure",
    "StatusReport",
    "TimelineEntry",
    "connection_health",
    "contact_timeline",
    "fix_for",
    "status_report",
]


@dataclass(frozen=True, slots=True)
class ConnectionHealth:
    crm: str
    kind: str
    identity: str | None
    state: str  # active | paused | needs_reauth | disconnected | none
    reason: str | None
    paused_until: datetime | None
    last_pass_at: datetime | None


@dataclass(frozen=True, slots=True)
class Failure:
    email: str
    sequence: str
    reason: str


@dataclass
class StatusReport:
    health: ConnectionHealth | None
    counts: dict[str, int] = field(default_factory=dict)  # sync state → memberships
    failures: list[Failure] = field(default_factory=list)
    activity_failures: list[Failure] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    sequence: str
    sequence_id: str
    added_at: datetime
    state: str
    replied_at: datetime | None
    flag: str | None
    flag_record_url: str | None
    synced_at: datetime | None
    reason: str | None
    fix: str | None


@dataclass
class ContactTimeline:
    email: str
    name: str
    entries: list[TimelineEntry] = field(default_factory=list)
    record_id: str | None = None
    record_url: str | None = None
    record_created: bool | None = None
    linked_at: datetime | None = None
    activities: list[tuple[str, datetime, str]] = field(default_factory=list)  # kind, when, status


def connection_health(conn: m.Connection | None) -> ConnectionHealth | None:
    if conn is None:
        return None
    state = conn.status
    paused = conn.paused_until if conn.paused_until and conn.paused_until > utcnow() else None
    if state == ConnectionStatus.ACTIVE and paused:
        state = "paused"
    return ConnectionHealth(
        crm=display_name(conn.kind),
        kind=conn.kind,
        identity=conn.identity,
        state=state,
        reason=conn.status_reason if state != ConnectionStatus.ACTIVE else None,
        paused_until=paused,
        last_pass_at=conn.last_pass_at,
    )


async def status_report(db: Database, workspace_id: str, user_id: str) -> StatusReport:
    async with db.session() as session:
        repo = Repo(session, workspace_id)
        conn = await repo.connection_for(user_id)
        report = StatusReport(connection_health(conn))
        owned = (m.Sequence.id == m.Membership.sequence_id) & (m.Sequence.owner_user_id == user_id)
        counts = await session.execute(
            select(m.Membership.sync_state, func.count(m.Membership.id))
            .join(m.Sequence, owned)
            .where(m.Membership.workspace_id == workspace_id)
            .group_by(m.Membership.sync_state)
        )
        report.counts = {state: n for state, n in counts.all()}
        failed = await session.execute(
            select(m.Contact.email, m.Sequence.name, m.Membership.sync_reason)
            .join(m.Sequence, owned)
            .join(m.Contact, m.Contact.id == m.Membership.contact_id)
            .where(
                m.Membership.workspace_id == workspace_id,
                m.Membership.sync_state == SyncState.FAILED,
            )
            .order_by(m.Membership.id.desc())
            .limit(5)
        )
        report.failures = [Failure(e, s, r or "unknown reason") for e, s, r in failed.all()]
        if conn is not None:
            report.activity_failures = await _activity_failures(session, workspace_id, conn.id)
    return report


async def _activity_failures(
    session: AsyncSession, workspace_id: str, connection_id: int
) -> list[Failure]:
    rows = await session.execute(
        select(m.Contact.email, m.Sequence.name, m.ActivityPush.reason)
        .join(m.Activity, m.Activity.id == m.ActivityPush.activity_id)
        .join(m.Membership, m.Membership.id == m.Activity.membership_id)
        .join(m.Sequence, m.Sequence.id == m.Membership.sequence_id)
        .join(m.Contact, m.Contact.id == m.Membership.contact_id)
        .where(
            m.ActivityPush.workspace_id == workspace_id,
            m.ActivityPush.connection_id == connection_id,
            m.ActivityPush.status == "failed",
        )
        .order_by(m.ActivityPush.id.desc())
        .limit(5)
    )
    return [Failure(e, s, r or "unknown reason") for e, s, r in rows.all()]


def fix_for(
    membership: m.Membership,
    sequence: m.Sequence,
    health: ConnectionHealth | None,
    email: str = "<email>",
) -> str | None:
    """What the teammate can do so this membership syncs, in words."""
    resync = f"`/crm resync {sequence.name} {email}`"
    state = membership.sync_state
    if state == SyncState.SYNCED or state == SyncState.DISMISSED:
        return None
    if health is None or health.state == ConnectionStatus.DISCONNECTED:
        return f"Connect your CRM with `/crm connect`, then run {resync}."
    if health.state == ConnectionStatus.NEEDS_REAUTH:
        return f"Reconnect {health.crm} with `/crm connect {health.kind}`; syncing then resumes."
    if state == SyncState.NEEDS_DECISION:
        return "Choose *Keep syncing* or *Skip contact* on the duplicate alert."
    if state == SyncState.FAILED:
        return (
            f"Fix what {health.crm} refused (the contact or your field mapping), then run {resync}."
        )
    if state == SyncState.SKIPPED and sequence.sync_disabled:
        return f"Turn sync back on with `/crm sequence {sequence.name}`, then run {resync}."
    if state == SyncState.SKIPPED:
        return (
            f"Choose a sync mode in `/crm settings` or `/crm sequence {sequence.name}`, "
            f"then run {resync}."
        )
    if state == SyncState.WAITING:
        return "Nothing to do: it syncs when the contact replies."
    if state == SyncState.NO_CONNECTION:
        return f"Run {resync} now that your CRM is connected."
    if health.state == "paused" and health.paused_until:
        return f"Nothing to do: syncing resumes at {health.paused_until:%H:%M} UTC."
    return "Nothing to do: it syncs in the next pass."


async def contact_timeline(
    db: Database, workspace_id: str, user_id: str, email: str
) -> ContactTimeline | None:
    """Everything we know about one contact's syncing in the teammate's own sequences (their
    connection is the one that syncs them), or None if we never saw the email."""
    async with db.session() as session:
        repo = Repo(session, workspace_id)
        contact = await repo.contact_by_email(email.strip().lower())
        if contact is None:
            return None
        conn = await repo.connection_for(user_id)
        health = connection_health(conn)
        name = " ".join(p for p in (contact.first_name, contact.last_name) if p)
        timeline = ContactTimeline(contact.email, name)
        if conn is not None:
            await _link_and_activity(repo, conn, contact, timeline)
        for membership, sequence in await repo.memberships_of_contact(contact.id):
            if sequence.owner_user_id == user_id:
                fix = (
                    None
                    if timeline.record_id
                    else fix_for(membership, sequence, health, contact.email)
                )
                timeline.entries.append(_entry(membership, sequence, fix))
    return timeline


def _entry(membership: m.Membership, sequence: m.Sequence, fix: str | None) -> TimelineEntry:
    return TimelineEntry(
        sequence=sequence.name,
        sequence_id=sequence.external_id,
        added_at=membership.added_at,
        state=membership.sync_state,
        replied_at=membership.replied_at,
        flag=membership.flag,
        flag_record_url=membership.flag_record_url,
        synced_at=membership.synced_at,
        reason=membership.sync_reason,
        fix=fix,
    )


async def _link_and_activity(
    repo: Repo, conn: m.Connection, contact: m.Contact, timeline: ContactTimeline
) -> None:
    link = (await repo.links_for(conn.id, [contact.id])).get(contact.id)
    if link is not None:
        timeline.record_id = link.crm_record_id
        timeline.record_url = link.record_url
        timeline.record_created = link.created_in_crm
        timeline.linked_at = link.synced_at
    rows = await repo.session.execute(
        select(m.Activity.kind, m.Activity.occurred_at, m.ActivityPush.status)
        .join(m.Membership, m.Membership.id == m.Activity.membership_id)
        .outerjoin(
            m.ActivityPush,
            (m.ActivityPush.activity_id == m.Activity.id)
            & (m.ActivityPush.connection_id == conn.id),
        )
        .where(m.Activity.workspace_id == repo.ws, m.Membership.contact_id == contact.id)
        .order_by(m.Activity.occurred_at)
    )
    timeline.activities = [(k, at, status or "not written") for k, at, status in rows.all()]
