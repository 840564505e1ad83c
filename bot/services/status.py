"""``/crm status``: the connection's health and queue, and one contact's sync timeline with
the reason and the fix for anything that did not sync (PRODUCT.md rule 15)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from bot.services.context import ServiceContext
from bot.services.crms import crm_name
from bot.states import ConnectionStatus, Reason, SyncState
from bot.storage import models as m
from bot.storage.models import utcnow
from bot.storage.repos import Repo

__all__ = [
    "ConnectionHealth",
    "ContactTimeline",
    "Failure",
    "Fix",
    "StatusReport",
    "TimelineEntry",
    "connection_health",
    "contact_timeline",
    "fix_for",
    "status_report",
]

RECENT_FAILURES = 5


class Fix(enum.StrEnum):
    """What the teammate can do so a membership syncs (``bot.views.status`` words it)."""

    CONNECT_THEN_RESYNC = "connect_then_resync"
    RECONNECT = "reconnect"
    DECIDE_DUPLICATE = "decide_duplicate"
    FIX_REFUSAL_THEN_RESYNC = "fix_refusal_then_resync"
    ENABLE_SEQUENCE_THEN_RESYNC = "enable_sequence_then_resync"
    CHOOSE_MODE_THEN_RESYNC = "choose_mode_then_resync"
    WAIT_FOR_REPLY = "wait_for_reply"
    RESYNC_NOW = "resync_now"
    WAIT_FOR_PAUSE = "wait_for_pause"
    WAIT_FOR_PASS = "wait_for_pass"


@dataclass(frozen=True, slots=True)
class ConnectionHealth:
    crm: str
    kind: str
    identity: str | None
    state: str  # active | paused | needs_reauth | disconnected | none
    reason: Reason | None
    paused_until: datetime | None
    last_pass_at: datetime | None


@dataclass(frozen=True, slots=True)
class Failure:
    email: str
    sequence: str
    reason: Reason | None


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
    flag: Reason | None
    flag_record_url: str | None
    synced_at: datetime | None
    reason: Reason | None
    fix: Fix | None


@dataclass
class ContactTimeline:
    email: str
    name: str
    health: ConnectionHealth | None = None  # of the teammate's connection
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
        crm=crm_name(conn.kind),
        kind=conn.kind,
        identity=conn.identity,
        state=state,
        reason=conn.status_reason if state != ConnectionStatus.ACTIVE else None,
        paused_until=paused,
        last_pass_at=conn.last_pass_at,
    )


async def status_report(ctx: ServiceContext, workspace_id: str, user_id: str) -> StatusReport:
    async with ctx.db.session() as session:
        repo = Repo(session, workspace_id)
        conn = await repo.connection_for(user_id)
        report = StatusReport(connection_health(conn))
        report.counts = await repo.state_counts(user_id)
        failed = await repo.recent_failures(user_id, RECENT_FAILURES)
        report.failures = [Failure(*row) for row in failed]
        if conn is not None:
            refused = await repo.recent_push_failures(conn.id, RECENT_FAILURES)
            report.activity_failures = [Failure(*row) for row in refused]
    return report


def fix_for(
    membership: m.Membership, sequence: m.Sequence, health: ConnectionHealth | None
) -> Fix | None:
    """What the teammate can do so this membership syncs."""
    state = membership.sync_state
    if state == SyncState.SYNCED or state == SyncState.DISMISSED:
        return None
    if health is None or health.state == ConnectionStatus.DISCONNECTED:
        return Fix.CONNECT_THEN_RESYNC
    if health.state == ConnectionStatus.NEEDS_REAUTH:
        return Fix.RECONNECT
    if state == SyncState.NEEDS_DECISION:
        return Fix.DECIDE_DUPLICATE
    if state == SyncState.FAILED:
        return Fix.FIX_REFUSAL_THEN_RESYNC
    if state == SyncState.SKIPPED and sequence.sync_disabled:
        return Fix.ENABLE_SEQUENCE_THEN_RESYNC
    if state == SyncState.SKIPPED:
        return Fix.CHOOSE_MODE_THEN_RESYNC
    if state == SyncState.WAITING:
        return Fix.WAIT_FOR_REPLY
    if state == SyncState.NO_CONNECTION:
        return Fix.RESYNC_NOW
    if health.state == "paused" and health.paused_until:
        return Fix.WAIT_FOR_PAUSE
    return Fix.WAIT_FOR_PASS


async def contact_timeline(
    ctx: ServiceContext, workspace_id: str, user_id: str, email: str
) -> ContactTimeline | None:
    """Everything we know about one contact's syncing in the teammate's own sequences (their
    connection is the one that syncs them), or None if we never saw the email."""
    async with ctx.db.session() as session:
        repo = Repo(session, workspace_id)
        contact = await repo.contact_by_email(email.strip().lower())
        if contact is None:
            return None
        conn = await repo.connection_for(user_id)
        health = connection_health(conn)
        name = " ".join(p for p in (contact.first_name, contact.last_name) if p)
        timeline = ContactTimeline(contact.email, name, health)
        if conn is not None:
            await _link_and_activity(repo, conn, contact, timeline)
        for membership, sequence in await repo.memberships_of_contact(contact.id):
            if sequence.owner_user_id == user_id:
                fix = None if timeline.record_id else fix_for(membership, sequence, health)
                timeline.entries.append(_entry(membership, sequence, fix))
    return timeline


def _entry(membership: m.Membership, sequence: m.Sequence, fix: Fix | None) -> TimelineEntry:
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
    rows = await repo.contact_activity(conn.id, contact.id)
    timeline.activities = [(k, at, status or "not written") for k, at, status in rows]
