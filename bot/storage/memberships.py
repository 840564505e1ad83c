"""Contacts and their memberships in sequences: the sync work of one connection, and what
the surfaces count and list."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage import models as m
from bot.storage.models import Reason, SyncState
from bot.storage.scope import Scoped

__all__ = ["Memberships", "contacts_by_crm_and_state"]

MembershipRow = tuple[m.Membership, m.Sequence, m.Contact]


class Memberships(Scoped):
    # contacts ------------------------------------------------------------------------------

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

    # one membership ------------------------------------------------------------------------

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

    async def membership_details(self, membership_id: int) -> MembershipRow | None:
        row = await self.session.execute(
            self._with_sequence_and_contact().where(m.Membership.id == membership_id)
        )
        found = row.first()
        return (found[0], found[1], found[2]) if found else None

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

    # many memberships ----------------------------------------------------------------------

    def _with_sequence_and_contact(self):
        return (
            select(m.Membership, m.Sequence, m.Contact)
            .join(m.Sequence, m.Sequence.id == m.Membership.sequence_id)
            .join(m.Contact, m.Contact.id == m.Membership.contact_id)
            .where(m.Membership.workspace_id == self.ws)
            .order_by(m.Membership.id)
        )

    async def memberships_by_ids(self, membership_ids: Iterable[int]) -> list[MembershipRow]:
        rows = await self.session.execute(
            self._with_sequence_and_contact().where(m.Membership.id.in_(list(membership_ids)))
        )
        return list(rows.all())

    async def members_of_sequence(
        self, sequence_id: int, email: str | None = None
    ) -> list[tuple[m.Membership, m.Contact]]:
        """The sequence's memberships with their contacts, oldest first (one email's only
        when given)."""
        query = (
            select(m.Membership, m.Contact)
            .join(m.Contact, m.Contact.id == m.Membership.contact_id)
            .where(m.Membership.workspace_id == self.ws, m.Membership.sequence_id == sequence_id)
            .order_by(m.Membership.id)
        )
        if email is not None:
            query = query.where(m.Contact.email == email)
        return list((await self.session.execute(query)).all())

    async def membership_ids_in_sequence(self, sequence_id: int) -> list[int]:
        ids = await self.session.scalars(
            select(m.Membership.id)
            .where(m.Membership.workspace_id == self.ws, m.Membership.sequence_id == sequence_id)
            .order_by(m.Membership.id)
        )
        return list(ids)

    async def queued_in_sequence(self, sequence_id: int) -> list[m.Membership]:
        """Memberships of the sequence still waiting to sync (pending or waiting)."""
        rows = await self.session.scalars(
            select(m.Membership).where(
                m.Membership.workspace_id == self.ws,
                m.Membership.sequence_id == sequence_id,
                m.Membership.sync_state.in_([SyncState.PENDING, SyncState.WAITING]),
            )
        )
        return list(rows)

    async def failed_membership_ids(self, owner_user_id: str) -> list[int]:
        ids = await self.session.scalars(
            select(m.Membership.id)
            .join(m.Sequence, m.Sequence.id == m.Membership.sequence_id)
            .where(
                m.Membership.workspace_id == self.ws,
                m.Sequence.owner_user_id == owner_user_id,
                m.Membership.sync_state == SyncState.FAILED,
            )
        )
        return list(ids)

    async def progress_rows(
        self, connection_id: int, membership_ids: list[int]
    ) -> list[tuple[m.Membership, m.Contact, m.SyncLink | None]]:
        """The memberships with their contact and its link on the connection, if any."""
        rows = await self.session.execute(
            select(m.Membership, m.Contact, m.SyncLink)
            .join(m.Contact, m.Contact.id == m.Membership.contact_id)
            .outerjoin(
                m.SyncLink,
                (m.SyncLink.contact_id == m.Contact.id)
                & (m.SyncLink.connection_id == connection_id),
            )
            .where(m.Membership.workspace_id == self.ws, m.Membership.id.in_(membership_ids))
        )
        return list(rows.all())

    # the owner's picture -------------------------------------------------------------------

    def _owned(self, owner_user_id: str):
        return (m.Sequence.id == m.Membership.sequence_id) & (
            m.Sequence.owner_user_id == owner_user_id
        )

    async def state_counts(self, owner_user_id: str) -> dict[str, int]:
        """Memberships of the teammate's sequences by sync state."""
        rows = await self.session.execute(
            select(m.Membership.sync_state, func.count(m.Membership.id))
            .join(m.Sequence, self._owned(owner_user_id))
            .where(m.Membership.workspace_id == self.ws)
            .group_by(m.Membership.sync_state)
        )
        return {state: n for state, n in rows.all()}

    async def recent_failures(
        self, owner_user_id: str, limit: int
    ) -> list[tuple[str, str, Reason | None]]:
        """(email, sequence name, reason) of the teammate's latest failed memberships."""
        rows = await self.session.execute(
            select(m.Contact.email, m.Sequence.name, m.Membership.sync_reason)
            .join(m.Sequence, self._owned(owner_user_id))
            .join(m.Contact, m.Contact.id == m.Membership.contact_id)
            .where(
                m.Membership.workspace_id == self.ws,
                m.Membership.sync_state == SyncState.FAILED,
            )
            .order_by(m.Membership.id.desc())
            .limit(limit)
        )
        return list(rows.all())

    # sync work of one connection ---------------------------------------------------------

    def _owned_by(self, conn: m.Connection):
        return and_(
            m.Membership.workspace_id == self.ws,
            m.Sequence.id == m.Membership.sequence_id,
            m.Sequence.owner_user_id == conn.user_id,
        )

    async def dedup_due(self, conn: m.Connection, limit: int) -> list[MembershipRow]:
        return await self._memberships_where(
            conn, m.Membership.dedup_state == m.DedupState.PENDING, limit
        )

    async def sync_due(self, conn: m.Connection, now: datetime, limit: int) -> list[MembershipRow]:
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

    async def _memberships_where(
        self, conn: m.Connection, condition: Any, limit: int
    ) -> list[MembershipRow]:
        rows = await self.session.execute(
            select(m.Membership, m.Sequence, m.Contact)
            .join(m.Sequence, m.Sequence.id == m.Membership.sequence_id)
            .join(m.Contact, m.Contact.id == m.Membership.contact_id)
            .where(self._owned_by(conn), condition)
            .order_by(m.Membership.id)
            .limit(limit)
        )
        return list(rows.all())


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
