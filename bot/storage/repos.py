"""Tenant-scoped data access. A :class:`Repo` is bound to one workspace; every query it
runs filters on that workspace, so a caller cannot reach another team's rows by mistake.

Only :func:`due_connections` crosses workspaces: the scheduler needs to know whom to run;
and :func:`oauth_state` / :func:`purge_oauth_states`: a CRM login callback arrives with nothing
but its unguessable state, which is how it finds its workspace.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage import models as m
from bot.storage.models import SyncState, utcnow

__all__ = [
    "Repo",
    "due_connections",
    "insert_ignore",
    "oauth_state",
    "purge_oauth_states",
    "status_due_connections",
    "workspaces_with_unposted_alerts",
]

log = logging.getLogger(__name__)

MAX_ALERT_ATTEMPTS = 5


def insert_ignore(session: AsyncSession, model: type[m.Base], values: dict[str, Any]):
    """INSERT ... ON CONFLICT DO NOTHING for the session's dialect."""
    dialect = session.bind.dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(model).values(**values).on_conflict_do_nothing()


class Repo:
    def __init__(self, session: AsyncSession, workspace_id: str):
        if not workspace_id:
            raise ValueError("a workspace id is required")
        self.session = session
        self.ws = workspace_id

    # workspace and teammates ------------------------------------------------------------

    async def ensure_workspace(self, name: str | None = None) -> None:
        await self.session.execute(
            insert_ignore(
                self.session, m.Workspace, {"id": self.ws, "name": name, "created_at": utcnow()}
            )
        )

    # connections -------------------------------------------------------------------------

    async def connection_for(self, user_id: str) -> m.Connection | None:
        return await self.session.scalar(
            select(m.Connection).where(
                m.Connection.workspace_id == self.ws, m.Connection.user_id == user_id
            )
        )

    async def connection(self, connection_id: int) -> m.Connection | None:
        return await self.session.scalar(
            select(m.Connection).where(
                m.Connection.workspace_id == self.ws, m.Connection.id == connection_id
            )
        )

    async def save_connection(
        self, user_id: str, *, kind: str, credentials: str, identity: str | None
    ) -> m.Connection:
        """Create the teammate's connection, or re-point it (reconnect keeps its settings
        when the CRM is the same)."""
        conn = await self.connection_for(user_id)
        if conn is None:
            conn = m.Connection(workspace_id=self.ws, user_id=user_id, kind=kind)
            self.session.add(conn)
        elif conn.kind != kind:
            await self.session.delete(conn)
            await self.session.flush()
            conn = m.Connection(workspace_id=self.ws, user_id=user_id, kind=kind)
            self.session.add(conn)
        conn.credentials = credentials
        conn.identity = identity
        conn.status = m.ConnectionStatus.ACTIVE
        conn.status_reason = None
        conn.connected_at = utcnow()
        conn.paused_until = None
        await self.session.flush()
        return conn

    async def mark_needs_reauth(self, connection_id: int, reason: str) -> bool:
        """Move an active connection to needs_reauth; False when it was not active (another
        pass got there first, or the teammate disconnected)."""
        moved = await self.session.scalar(
            update(m.Connection)
            .where(
                m.Connection.workspace_id == self.ws,
                m.Connection.id == connection_id,
                m.Connection.status == m.ConnectionStatus.ACTIVE,
            )
            .values(status=m.ConnectionStatus.NEEDS_REAUTH, status_reason=reason)
            .returning(m.Connection.id)
        )
        return moved is not None

    # sign-in (OAuth) states ---------------------------------------------------------------

    async def add_oauth_state(
        self,
        state_hash: str,
        *,
        user_id: str,
        kind: str,
        code_verifier: str,
        now: datetime,
        expires_at: datetime,
    ) -> None:
        self.session.add(
            m.OAuthState(
                state_hash=state_hash,
                workspace_id=self.ws,
                user_id=user_id,
                kind=kind,
                code_verifier=code_verifier,
                created_at=now,
                expires_at=expires_at,
            )
        )
        await self.session.flush()

    def _live_state(self, state_hash: str, now: datetime):
        return and_(
            m.OAuthState.workspace_id == self.ws,
            m.OAuthState.state_hash == state_hash,
            m.OAuthState.used_at.is_(None),
            m.OAuthState.expires_at > now,
        )

    async def bind_oauth_state(self, state_hash: str, browser_hash: str, now: datetime) -> bool:
        """Tie a live, not yet claimed state to one browser; False when it cannot be."""
        result = await self.session.execute(
            update(m.OAuthState)
            .where(self._live_state(state_hash, now), m.OAuthState.browser_hash.is_(None))
            .values(browser_hash=browser_hash)
            .returning(m.OAuthState.state_hash)
        )
        return result.first() is not None

    async def consume_oauth_state(self, state_hash: str, browser_hash: str, now: datetime) -> bool:
        """Mark a live state of this browser used; exactly one caller ever gets True."""
        result = await self.session.execute(
            update(m.OAuthState)
            .where(self._live_state(state_hash, now), m.OAuthState.browser_hash == browser_hash)
            .values(used_at=now)
            .returning(m.OAuthState.state_hash)
        )
        return result.first() is not None

    # sequences, contacts, memberships ---------------------------------------------------

    async def sequence_by_external_id(self, external_id: str) -> m.Sequence | None:
        return await self.session.scalar(
            select(m.Sequence).where(
                m.Sequence.workspace_id == self.ws, m.Sequence.external_id == external_id
            )
        )

    async def find_sequence(self, owner_user_id: str, name_or_id: str) -> m.Sequence | None:
        """A teammate's sequence by outreach id or by name (case-insensitive)."""
        return await self.session.scalar(
            select(m.Sequence)
            .where(
                m.Sequence.workspace_id == self.ws,
                m.Sequence.owner_user_id == owner_user_id,
                or_(
                    m.Sequence.external_id == name_or_id,
                    func.lower(m.Sequence.name) == name_or_id.lower(),
                ),
            )
            .order_by(m.Sequence.id)
            .limit(1)
        )

    async def upsert_sequence(
        self, external_id: str, name: str | None, owner_user_id: str
    ) -> m.Sequence:
        seq = await self.sequence_by_external_id(external_id)
        if seq is None:
            seq = m.Sequence(
                workspace_id=self.ws,
                external_id=external_id,
                name=name or external_id,
                owner_user_id=owner_user_id,
            )
            self.session.add(seq)
            await self.session.flush()
        elif name and seq.name != name:
            seq.name = name
        return seq

    async def contact_by_email(self, email: str) -> m.Contact | None:
        return await self.session.scalar(
            select(m.Contact).where(m.Contact.workspace_id == self.ws, m.Contact.email == email)
        )

    async def upsert_contact(self, email: str, fields: dict[str, Any]) -> m.Contact:
        """Create the contact or fill in what the new event knows (never blanks a field)."""
        contact = await self.contact_by_email(email)
        if contact is None:
            contact = m.Contact(workspace_id=self.ws, email=email, custom={})
            self.session.add(contact)
        for name, value in fields.items():
            if name == "custom":
                if value:
                    contact.custom = {**(contact.custom or {}), **value}
            elif value not in (None, ""):
                setattr(contact, name, value)
        await self.session.flush()
        return contact

    async def membership(self, sequence_id: int, contact_id: int) -> m.Membership | None:
        return await self.session.scalar(
            select(m.Membership).where(
                m.Membership.workspace_id == self.ws,
                m.Membership.sequence_id == sequence_id,
                m.Membership.contact_id == contact_id,
            )
        )

    async def membership_by_id(self, membership_id: int) -> m.Membership | None:
        return await self.session.scalar(
            select(m.Membership).where(
                m.Membership.workspace_id == self.ws, m.Membership.id == membership_id
            )
        )

    async def add_membership(
        self, sequence_id: int, contact_id: int, added_at: datetime
    ) -> m.Membership:
        membership = m.Membership(
            workspace_id=self.ws, sequence_id=sequence_id, contact_id=contact_id, added_at=added_at
        )
        self.session.add(membership)
        await self.session.flush()
        return membership

    async def memberships_of_contact(
        self, contact_id: int
    ) -> list[tuple[m.Membership, m.Sequence]]:
        rows = await self.session.execute(
            select(m.Membership, m.Sequence)
            .join(m.Sequence, m.Sequence.id == m.Membership.sequence_id)
            .where(m.Membership.workspace_id == self.ws, m.Membership.contact_id == contact_id)
            .order_by(m.Membership.id)
        )
        return [(ms, seq) for ms, seq in rows.all()]

    # events and activity ----------------------------------------------------------------

    async def record_event(
        self, event_id: str, type_: str, occurred_at: datetime, payload: dict[str, Any]
    ) -> bool:
        """Store an event once; False when its id was seen before."""
        inserted = await self.session.scalar(
            insert_ignore(
                self.session,
                m.OutreachEvent,
                {
                    "id": event_id,
                    "workspace_id": self.ws,
                    "type": type_,
                    "occurred_at": occurred_at,
                    "received_at": utcnow(),
                    "payload": payload,
                },
            ).returning(m.OutreachEvent.id)
        )
        # RETURNING, not rowcount: psycopg's async cursor reports -1 for ON CONFLICT inserts.
        return inserted is not None

    async def add_activity(
        self,
        membership_id: int,
        event_id: str,
        kind: str,
        occurred_at: datetime,
        subject: str | None,
        snippet: str | None,
        sentiment: str | None,
    ) -> None:
        self.session.add(
            m.Activity(
                workspace_id=self.ws,
                membership_id=membership_id,
                event_id=event_id,
                kind=kind,
                occurred_at=occurred_at,
                subject=subject,
                snippet=snippet,
                sentiment=sentiment,
            )
        )

    # sync work of one connection ----------------------------------------------------------

    def _owned_by(self, conn: m.Connection):
        return and_(
            m.Membership.workspace_id == self.ws,
            m.Sequence.id == m.Membership.sequence_id,
            m.Sequence.owner_user_id == conn.user_id,
        )

    async def dedup_due(
        self, conn: m.Connection, limit: int
    ) -> list[tuple[m.Membership, m.Sequence, m.Contact]]:
        return await self._memberships_where(
            conn, m.Membership.dedup_state == m.DedupState.PENDING, limit
        )

    async def sync_due(self, conn: m.Connection, now: datetime, limit: int):
        return await self._memberships_where(
            conn,
            and_(
                m.Membership.sync_state == SyncState.PENDING,
                or_(
                    m.Membership.dedup_state.is_(None),
                    m.Membership.dedup_state != m.DedupState.PENDING,
                ),
                or_(m.Membership.next_attempt_at.is_(None), m.Membership.next_attempt_at <= now),
            ),
            limit,
        )

    async def _memberships_where(self, conn: m.Connection, condition: Any, limit: int):
        rows = await self.session.execute(
            select(m.Membership, m.Sequence, m.Contact)
            .join(m.Sequence, m.Sequence.id == m.Membership.sequence_id)
            .join(m.Contact, m.Contact.id == m.Membership.contact_id)
            .where(self._owned_by(conn), condition)
            .order_by(m.Membership.id)
            .limit(limit)
        )
        return list(rows.all())

    async def links_for(
        self, connection_id: int, contact_ids: Iterable[int]
    ) -> dict[int, m.SyncLink]:
        ids = list(set(contact_ids))
        if not ids:
            return {}
        links = await self.session.scalars(
            select(m.SyncLink).where(
                m.SyncLink.workspace_id == self.ws,
                m.SyncLink.connection_id == connection_id,
                m.SyncLink.contact_id.in_(ids),
            )
        )
        return {link.contact_id: link for link in links}

    async def add_link(
        self,
        connection_id: int,
        contact_id: int,
        record_id: str,
        record_type: str,
        record_url: str | None,
        *,
        created: bool,
        mapping_version: int | None = None,
    ) -> m.SyncLink:
        """Link a contact to its CRM record, or return the link already there: the unique key
        (connection, contact) means a second pass that got here first wins, never a crash."""
        inserted = await self.session.scalar(
            insert_ignore(
                self.session,
                m.SyncLink,
                {
                    "workspace_id": self.ws,
                    "connection_id": connection_id,
                    "contact_id": contact_id,
                    "crm_record_id": record_id,
                    "record_type": record_type,
                    "record_url": record_url,
                    "created_in_crm": created,
                    "mapping_version": mapping_version,
                    "synced_at": utcnow(),
                },
            ).returning(m.SyncLink.id)
        )
        link = (await self.links_for(connection_id, [contact_id]))[contact_id]
        if inserted is None and created and link.crm_record_id != record_id:
            log.warning(
                "a record was created for a contact another pass had linked",
                extra={"connection_id": connection_id, "contact_id": contact_id},
            )
        return link

    async def assigned_jobs(self, sync_link_id: int) -> set[str]:
        jobs = await self.session.scalars(
            select(m.JobAssignment.job_id).where(
                m.JobAssignment.workspace_id == self.ws,
                m.JobAssignment.sync_link_id == sync_link_id,
            )
        )
        return set(jobs)

    async def add_job_assignment(self, sync_link_id: int, job_id: str) -> None:
        await self.session.execute(
            insert_ignore(
                self.session,
                m.JobAssignment,
                {
                    "workspace_id": self.ws,
                    "sync_link_id": sync_link_id,
                    "job_id": job_id,
                    "assigned_at": utcnow(),
                },
            )
        )

    async def activities_to_push(
        self, conn: m.Connection, limit: int
    ) -> list[tuple[m.Activity, m.SyncLink, m.Sequence]]:
        """Activities of linked contacts in the owner's sequences, since the connection was
        made (or any time, for memberships a resync marked for backfill), not yet written
        (or left in flight by an interrupted pass)."""
        done = exists().where(
            m.ActivityPush.connection_id == conn.id,
            m.ActivityPush.activity_id == m.Activity.id,
            m.ActivityPush.status != "in_flight",
        )
        rows = await self.session.execute(
            self._linked_activities(conn)
            .where(
                or_(
                    m.Activity.occurred_at >= conn.connected_at,
                    m.Membership.backfill_activity.is_(True),
                ),
                ~done,
            )
            .limit(limit)
        )
        return list(rows.all())

    async def status_due(
        self, conn: m.Connection, limit: int
    ) -> list[tuple[m.Activity, m.SyncLink, m.Sequence]]:
        """Sent and replied activities of linked contacts in the owner's sequences, since the
        connection was made, whose status changes are not settled yet (status advance)."""
        rows = await self.session.execute(
            self._linked_activities(conn)
            .where(
                m.Activity.occurred_at >= conn.connected_at,
                _status_unsettled(conn.id),
            )
            .limit(limit)
        )
        return list(rows.all())

    def _linked_activities(self, conn: m.Connection):
        """Activities of contacts linked on ``conn``, in its owner's sequences, oldest first."""
        return (
            select(m.Activity, m.SyncLink, m.Sequence)
            .join(m.Membership, m.Membership.id == m.Activity.membership_id)
            .join(m.Sequence, m.Sequence.id == m.Membership.sequence_id)
            .join(
                m.SyncLink,
                and_(
                    m.SyncLink.contact_id == m.Membership.contact_id,
                    m.SyncLink.connection_id == conn.id,
                ),
            )
            .where(m.Activity.workspace_id == self.ws, m.Sequence.owner_user_id == conn.user_id)
            .order_by(m.Activity.occurred_at, m.Activity.id)
        )

    async def activity_push(self, connection_id: int, activity_id: int) -> m.ActivityPush | None:
        return await self.session.scalar(
            select(m.ActivityPush).where(
                m.ActivityPush.workspace_id == self.ws,
                m.ActivityPush.connection_id == connection_id,
                m.ActivityPush.activity_id == activity_id,
            )
        )

    async def claim_activity_pushes(
        self, connection_id: int, activity_ids: Iterable[int]
    ) -> dict[int, str]:
        """Record each push as in flight unless a row exists; returns the status of the rows
        that existed (claimed by an earlier or concurrent pass)."""
        existing: dict[int, str] = {}
        for activity_id in activity_ids:
            claimed = await self.session.scalar(
                insert_ignore(
                    self.session,
                    m.ActivityPush,
                    {
                        "workspace_id": self.ws,
                        "connection_id": connection_id,
                        "activity_id": activity_id,
                        "status": "in_flight",
                        "updated_at": utcnow(),
                    },
                ).returning(m.ActivityPush.id)
            )
            if claimed is None:
                push = await self.activity_push(connection_id, activity_id)
                existing[activity_id] = push.status if push else "in_flight"
        return existing

    # alerts -------------------------------------------------------------------------------

    async def add_alert(
        self, membership_id: int, kind: str, user_id: str, channel_id: str | None
    ) -> None:
        await self.session.execute(
            insert_ignore(
                self.session,
                m.Alert,
                {
                    "workspace_id": self.ws,
                    "membership_id": membership_id,
                    "kind": kind,
                    "user_id": user_id,
                    "channel_id": channel_id,
                    "created_at": utcnow(),
                    "attempts": 0,
                },
            )
        )

    async def add_reauth_alert(self, user_id: str) -> None:
        self.session.add(
            m.Alert(
                workspace_id=self.ws,
                membership_id=None,
                kind="reauth",
                user_id=user_id,
                channel_id=None,
            )
        )

    async def add_user_alert(self, user_id: str, kind: str) -> None:
        """An alert about the teammate's connection rather than one contact (a DM)."""
        self.session.add(
            m.Alert(workspace_id=self.ws, membership_id=None, kind=kind, user_id=user_id)
        )

    async def claim_alerts(self, now: datetime, expired_before: datetime, limit: int) -> list[int]:
        """Claim unposted alerts nobody holds (or whose claim expired); returns their ids.
        On PostgreSQL, rows another worker is claiming right now are skipped, not waited on."""
        claimable = (
            select(m.Alert.id)
            .where(
                m.Alert.workspace_id == self.ws,
                m.Alert.posted_at.is_(None),
                m.Alert.attempts < MAX_ALERT_ATTEMPTS,
                or_(m.Alert.claimed_at.is_(None), m.Alert.claimed_at < expired_before),
            )
            .order_by(m.Alert.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        claimed = await self.session.scalars(
            update(m.Alert)
            .where(m.Alert.id.in_(claimable.scalar_subquery()))
            .values(claimed_at=now, attempts=m.Alert.attempts + 1)
            .returning(m.Alert.id)
            .execution_options(synchronize_session=False)
        )
        return sorted(claimed)

    async def membership_details(
        self, membership_id: int
    ) -> tuple[m.Membership, m.Sequence, m.Contact] | None:
        row = await self.session.execute(
            select(m.Membership, m.Sequence, m.Contact)
            .join(m.Sequence, m.Sequence.id == m.Membership.sequence_id)
            .join(m.Contact, m.Contact.id == m.Membership.contact_id)
            .where(m.Membership.workspace_id == self.ws, m.Membership.id == membership_id)
        )
        found = row.first()
        return (found[0], found[1], found[2]) if found else None

    async def alert_by_id(self, alert_id: int) -> m.Alert | None:
        return await self.session.scalar(
            select(m.Alert).where(m.Alert.workspace_id == self.ws, m.Alert.id == alert_id)
        )


def _status_unsettled(connection_id: Any):
    """A sent/replied activity with no status_pushes row yet, or one still in flight."""
    pushes = select(m.StatusPush.id).where(
        m.StatusPush.connection_id == connection_id,
        m.StatusPush.activity_id == m.Activity.id,
    )
    return and_(
        m.Activity.kind.in_(("sent", "replied")),
        or_(
            ~pushes.exists(),
            pushes.where(m.StatusPush.state == "in_flight").exists(),
        ),
    )


def _linked_activity_of_connection():
    """Activities of contacts linked on the outer query's connection, in its owner's
    sequences (a correlated subquery over ``m.Connection``)."""
    return (
        select(m.Activity.id)
        .join(m.Membership, m.Membership.id == m.Activity.membership_id)
        .join(m.Sequence, m.Sequence.id == m.Membership.sequence_id)
        .join(
            m.SyncLink,
            and_(
                m.SyncLink.contact_id == m.Membership.contact_id,
                m.SyncLink.connection_id == m.Connection.id,
            ),
        )
        .where(m.Sequence.owner_user_id == m.Connection.user_id)
    )


async def _runnable_connections(session: AsyncSession, now: datetime, due: Any):
    rows = await session.execute(
        select(m.Connection.workspace_id, m.Connection.id).where(
            m.Connection.status == m.ConnectionStatus.ACTIVE,
            or_(m.Connection.paused_until.is_(None), m.Connection.paused_until <= now),
            due,
        )
    )
    return [(ws, cid) for ws, cid in rows.all()]


async def due_connections(session: AsyncSession, now: datetime) -> list[tuple[str, int]]:
    """(workspace id, connection id) of active connections with sync work: contacts to check
    or sync, or activity to write."""
    pending = (
        select(m.Membership.id)
        .join(m.Sequence, m.Sequence.id == m.Membership.sequence_id)
        .where(
            m.Sequence.workspace_id == m.Connection.workspace_id,
            m.Sequence.owner_user_id == m.Connection.user_id,
            or_(
                and_(
                    m.Membership.sync_state == SyncState.PENDING,
                    or_(
                        m.Membership.next_attempt_at.is_(None), m.Membership.next_attempt_at <= now
                    ),
                ),
                m.Membership.dedup_state == m.DedupState.PENDING,
            ),
        )
        .exists()
    )
    unpushed = (
        _linked_activity_of_connection()
        .where(
            m.Connection.activity_enabled.is_(True),
            or_(
                m.Activity.occurred_at >= m.Connection.connected_at,
                m.Membership.backfill_activity.is_(True),
            ),
            ~exists().where(
                m.ActivityPush.connection_id == m.Connection.id,
                m.ActivityPush.activity_id == m.Activity.id,
                m.ActivityPush.status != "in_flight",
            ),
        )
        .exists()
    )
    return await _runnable_connections(session, now, or_(pending, unpushed))


async def status_due_connections(session: AsyncSession, now: datetime) -> list[tuple[str, int]]:
    """Active connections with status advance on and status changes not yet settled."""
    statuses = (
        _linked_activity_of_connection()
        .where(
            m.Connection.status_advance.is_(True),
            m.Activity.occurred_at >= m.Connection.connected_at,
            _status_unsettled(m.Connection.id),
        )
        .exists()
    )
    return await _runnable_connections(session, now, statuses)


async def workspaces_with_unposted_alerts(session: AsyncSession) -> list[str]:
    rows = await session.scalars(
        select(m.Alert.workspace_id)
        .where(m.Alert.posted_at.is_(None), m.Alert.attempts < MAX_ALERT_ATTEMPTS)
        .distinct()
    )
    return list(rows)


async def oauth_state(session: AsyncSession, state_hash: str) -> m.OAuthState | None:
    """The login flow a callback belongs to, by the hash of its unguessable state."""
    return await session.get(m.OAuthState, state_hash)


async def purge_oauth_states(session: AsyncSession, expired_before: datetime) -> None:
    await session.execute(delete(m.OAuthState).where(m.OAuthState.expires_at < expired_before))


async def contacts_by_crm_and_state(session: AsyncSession) -> dict[tuple[str, str], int]:
    """Fleet-wide: memberships by the owner's CRM and their sync state (for metrics)."""
    rows = await session.execute(
        select(m.Connection.kind, m.Membership.sync_state, func.count(m.Membership.id))
        .join(m.Sequence, m.Sequence.id == m.Membership.sequence_id)
        .join(
            m.Connection,
            and_(
                m.Connection.workspace_id == m.Sequence.workspace_id,
                m.Connection.user_id == m.Sequence.owner_user_id,
            ),
        )
        .group_by(m.Connection.kind, m.Membership.sync_state)
    )
    return {(crm, state): count for crm, state, count in rows.all()}


async def oldest_unposted_alert(session: AsyncSession) -> datetime | None:
    """When the oldest alert still waiting for Slack was raised (fleet-wide, for metrics)."""
    return await session.scalar(
        select(func.min(m.Alert.created_at)).where(m.Alert.posted_at.is_(None))
    )
