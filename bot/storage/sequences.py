"""Outreach sequences and how many of their contacts stand where."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, case, func, or_, select

from bot.storage import models as m
from bot.storage.models import SyncState
from bot.storage.scope import Scoped

__all__ = ["SequenceTotals", "Sequences"]

# (sequence, contacts, synced, pending, failed, flagged)
SequenceTotals = tuple[m.Sequence, int, int, int, int, int]


def _count(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.sum(case((condition, 1), else_=0))


class Sequences(Scoped):
    async def sequence(self, sequence_id: int) -> m.Sequence | None:
        return await self.session.scalar(
            select(m.Sequence).where(
                m.Sequence.workspace_id == self.ws, m.Sequence.id == sequence_id
            )
        )

    async def owned_sequence(self, sequence_id: int, owner_user_id: str) -> m.Sequence | None:
        sequence = await self.sequence(sequence_id)
        return sequence if sequence and sequence.owner_user_id == owner_user_id else None

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

    async def owned_sequences(self, owner_user_id: str) -> list[m.Sequence]:
        """The teammate's sequences by name."""
        rows = await self.session.scalars(
            select(m.Sequence)
            .where(m.Sequence.workspace_id == self.ws, m.Sequence.owner_user_id == owner_user_id)
            .order_by(m.Sequence.name, m.Sequence.id)
        )
        return list(rows)

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

    async def sequence_totals(
        self, owner_user_id: str, sequence_ids: list[int] | None = None
    ) -> list[SequenceTotals]:
        """The teammate's sequences (by name) with membership counts by sync state."""
        ms = m.Membership
        query = (
            select(
                m.Sequence,
                func.count(ms.id),
                _count(ms.sync_state == SyncState.SYNCED),
                _count(ms.sync_state == SyncState.PENDING),
                _count(ms.sync_state == SyncState.FAILED),
                _count(ms.sync_state == SyncState.NEEDS_DECISION),
            )
            .outerjoin(ms, ms.sequence_id == m.Sequence.id)
            .where(m.Sequence.workspace_id == self.ws, m.Sequence.owner_user_id == owner_user_id)
            .group_by(m.Sequence.id)
            .order_by(m.Sequence.name, m.Sequence.id)
        )
        if sequence_ids is not None:
            query = query.where(m.Sequence.id.in_(sequence_ids))
        rows = await self.session.execute(query)
        return [
            (seq, total or 0, synced or 0, pending or 0, failed or 0, flagged or 0)
            for seq, total, synced, pending, failed, flagged in rows.all()
        ]
