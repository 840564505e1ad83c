"""Outreach events and their email activity, and what was written of it to each connection's
CRM: activity pushes (one per activity) and status pushes (one per status an activity calls
for)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, or_, select

from bot.storage import models as m
from bot.storage.models import Reason, utcnow
from bot.storage.scope import Scoped, insert_ignore

__all__ = ["Activities", "linked_activity", "status_unsettled"]

ActivityRow = tuple[m.Activity, m.SyncLink, m.Sequence]


def linked_activity(columns: Any, connection_id: Any, owner_user_id: Any):
    """SELECT ``columns`` over activities of contacts linked on the connection, in its
    owner's sequences (the connection's id and owner may be columns of an outer query)."""
    return (
        select(*columns)
        .join(m.Membership, m.Membership.id == m.Activity.membership_id)
        .join(m.Sequence, m.Sequence.id == m.Membership.sequence_id)
        .join(
            m.SyncLink,
            and_(
                m.SyncLink.contact_id == m.Membership.contact_id,
                m.SyncLink.connection_id == connection_id,
            ),
        )
        .where(m.Sequence.owner_user_id == owner_user_id)
    )


def status_unsettled(connection_id: Any):
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


class Activities(Scoped):
    # events --------------------------------------------------------------------------------

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

    # activity to write ---------------------------------------------------------------------

    def _linked_activities(self, conn: m.Connection):
        """Activities of contacts linked on ``conn``, in its owner's sequences, oldest first."""
        columns = (m.Activity, m.SyncLink, m.Sequence)
        return (
            linked_activity(columns, conn.id, conn.user_id)
            .where(m.Activity.workspace_id == self.ws)
            .order_by(m.Activity.occurred_at, m.Activity.id)
        )

    async def activities_to_push(self, conn: m.Connection, limit: int) -> list[ActivityRow]:
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

    # what was written ----------------------------------------------------------------------

    async def activities_written(self, connection_id: int, membership_ids: list[int]) -> int:
        written = await self.session.scalar(
            select(func.count(m.ActivityPush.id))
            .join(m.Activity, m.Activity.id == m.ActivityPush.activity_id)
            .where(
                m.ActivityPush.workspace_id == self.ws,
                m.ActivityPush.connection_id == connection_id,
                m.ActivityPush.status == "done",
                m.Activity.membership_id.in_(membership_ids),
            )
        )
        return written or 0

    async def recent_push_failures(
        self, connection_id: int, limit: int
    ) -> list[tuple[str, str, Reason | None]]:
        """(email, sequence name, reason) of the latest activity the CRM refused."""
        rows = await self.session.execute(
            select(m.Contact.email, m.Sequence.name, m.ActivityPush.reason)
            .join(m.Activity, m.Activity.id == m.ActivityPush.activity_id)
            .join(m.Membership, m.Membership.id == m.Activity.membership_id)
            .join(m.Sequence, m.Sequence.id == m.Membership.sequence_id)
            .join(m.Contact, m.Contact.id == m.Membership.contact_id)
            .where(
                m.ActivityPush.workspace_id == self.ws,
                m.ActivityPush.connection_id == connection_id,
                m.ActivityPush.status == "failed",
            )
            .order_by(m.ActivityPush.id.desc())
            .limit(limit)
        )
        return list(rows.all())

    async def contact_activity(
        self, connection_id: int, contact_id: int
    ) -> list[tuple[str, datetime, str | None]]:
        """(kind, when, push status or None) of one contact's activity, oldest first."""
        rows = await self.session.execute(
            select(m.Activity.kind, m.Activity.occurred_at, m.ActivityPush.status)
            .join(m.Membership, m.Membership.id == m.Activity.membership_id)
            .outerjoin(
                m.ActivityPush,
                (m.ActivityPush.activity_id == m.Activity.id)
                & (m.ActivityPush.connection_id == connection_id),
            )
            .where(m.Activity.workspace_id == self.ws, m.Membership.contact_id == contact_id)
            .order_by(m.Activity.occurred_at)
        )
        return list(rows.all())

    # status advance ------------------------------------------------------------------------

    async def status_due(self, conn: m.Connection, limit: int) -> list[ActivityRow]:
        """Sent and replied activities of linked contacts in the owner's sequences, since the
        connection was made, whose status changes are not settled yet (status advance)."""
        rows = await self.session.execute(
            self._linked_activities(conn)
            .where(m.Activity.occurred_at >= conn.connected_at, status_unsettled(conn.id))
            .limit(limit)
        )
        return list(rows.all())

    async def claim_status_pushes(
        self, connection_id: int, activity: m.Activity, names: Iterable[str]
    ) -> None:
        """Record each status as in flight unless it has a row already."""
        for name in names:
            await self.session.execute(
                insert_ignore(
                    self.session,
                    m.StatusPush,
                    {
                        "workspace_id": self.ws,
                        "connection_id": connection_id,
                        "membership_id": activity.membership_id,
                        "activity_id": activity.id,
                        "status": name,
                        "state": "in_flight",
                        "updated_at": utcnow(),
                    },
                )
            )

    async def status_push(
        self, connection_id: int, activity_id: int, name: str
    ) -> m.StatusPush | None:
        return await self.session.scalar(
            select(m.StatusPush).where(
                m.StatusPush.workspace_id == self.ws,
                m.StatusPush.connection_id == connection_id,
                m.StatusPush.activity_id == activity_id,
                m.StatusPush.status == name,
            )
        )

    async def statuses_written(self, connection_id: int, membership_id: int) -> set[str]:
        done = await self.session.scalars(
            select(m.StatusPush.status).where(
                m.StatusPush.workspace_id == self.ws,
                m.StatusPush.connection_id == connection_id,
                m.StatusPush.membership_id == membership_id,
                m.StatusPush.state == "done",
            )
        )
        return set(done)
