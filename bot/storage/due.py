"""What the clock looks for, across workspaces: connections with work due."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage import models as m
from bot.storage.activity import linked_activity, status_unsettled
from bot.storage.models import SyncState

__all__ = ["due_connections", "status_due_connections"]


def _linked_activity_of_connection():
    """Activities of contacts linked on the outer query's connection, in its owner's
    sequences (a correlated subquery over ``m.Connection``)."""
    return linked_activity((m.Activity.id,), m.Connection.id, m.Connection.user_id)


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
            status_unsettled(m.Connection.id),
        )
        .exists()
    )
    return await _runnable_connections(session, now, statuses)
