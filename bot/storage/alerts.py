"""The outbox of Slack alerts: written with the state change that caused them, claimed and
posted by the notifier."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage import models as m
from bot.storage.models import utcnow
from bot.storage.scope import Scoped, insert_ignore

__all__ = [
    "MAX_ALERT_ATTEMPTS",
    "Alerts",
    "oldest_unposted_alert",
    "workspaces_with_unposted_alerts",
]

MAX_ALERT_ATTEMPTS = 5


class Alerts(Scoped):
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
        await self.add_user_alert(user_id, "reauth")

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

    async def alert_by_id(self, alert_id: int) -> m.Alert | None:
        return await self.session.scalar(
            select(m.Alert).where(m.Alert.workspace_id == self.ws, m.Alert.id == alert_id)
        )


async def workspaces_with_unposted_alerts(session: AsyncSession) -> list[str]:
    rows = await session.scalars(
        select(m.Alert.workspace_id)
        .where(m.Alert.posted_at.is_(None), m.Alert.attempts < MAX_ALERT_ATTEMPTS)
        .distinct()
    )
    return list(rows)


async def oldest_unposted_alert(session: AsyncSession) -> datetime | None:
    """When the oldest alert still waiting for Slack was raised (fleet-wide, for metrics)."""
    return await session.scalar(
        select(func.min(m.Alert.created_at)).where(m.Alert.posted_at.is_(None))
    )
