"""Modal state too large for Slack's ``private_metadata``, kept under a random key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete

from bot.storage import models as m
from bot.storage.models import utcnow
from bot.storage.scope import Scoped

__all__ = ["ViewStates"]


class ViewStates(Scoped):
    async def add_view_state(self, key: str, data: dict[str, Any], purge_before: datetime) -> None:
        """Store ``data`` under ``key``; states older than ``purge_before`` are dropped."""
        await self.session.execute(delete(m.ViewState).where(m.ViewState.created_at < purge_before))
        self.session.add(m.ViewState(key=key, workspace_id=self.ws, data=data, created_at=utcnow()))

    async def view_state(self, key: str) -> dict[str, Any] | None:
        row = await self.session.get(m.ViewState, key)
        if row is None or row.workspace_id != self.ws:
            return None
        return dict(row.data)

    async def forget_view_state(self, key: str) -> None:
        await self.session.execute(
            delete(m.ViewState).where(m.ViewState.workspace_id == self.ws, m.ViewState.key == key)
        )
