"""Slack installations of the app (one bot per workspace or org, its token encrypted by the
caller) and the one-time states of installs in progress. Not tenant-scoped: Bolt's OAuth
flow looks installations up by team or enterprise id."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, false, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage import models as m

__all__ = [
    "add_install_state",
    "delete_installation",
    "installation",
    "spend_install_state",
]


def _where(enterprise_id: str | None, team_id: str | None) -> list[Any]:
    """Filters for one installation. Team ids are unique across Slack, so a team id alone
    finds a workspace installed inside an Enterprise Grid org too (background work knows only
    the team id); an org-wide install has no team id and is found by its enterprise id."""
    if team_id is not None:
        conditions = [m.SlackInstallation.team_id == team_id]
        if enterprise_id is not None:
            conditions.append(m.SlackInstallation.enterprise_id == enterprise_id)
        return conditions
    if enterprise_id is None:
        return [false()]  # neither id: match nothing rather than everything
    return [
        m.SlackInstallation.enterprise_id == enterprise_id,
        m.SlackInstallation.team_id.is_(None),
    ]


async def installation(
    session: AsyncSession, enterprise_id: str | None, team_id: str | None, *, create: bool = False
) -> m.SlackInstallation | None:
    """The installation of that team (or org); a new row when ``create`` and there is none."""
    row = await session.scalar(select(m.SlackInstallation).where(*_where(enterprise_id, team_id)))
    if row is None and create:
        row = m.SlackInstallation(enterprise_id=enterprise_id, team_id=team_id)
        session.add(row)
    return row


async def delete_installation(
    session: AsyncSession, enterprise_id: str | None, team_id: str | None
) -> None:
    await session.execute(delete(m.SlackInstallation).where(*_where(enterprise_id, team_id)))


async def add_install_state(session: AsyncSession, state: str, expires_at: datetime) -> None:
    session.add(m.SlackOAuthState(state=state, expires_at=expires_at))


async def spend_install_state(session: AsyncSession, state: str, now: datetime) -> bool:
    """True once per unexpired state; the row is deleted either way."""
    row = await session.get(m.SlackOAuthState, state)
    if row is None:
        return False
    await session.delete(row)
    return row.expires_at > now
