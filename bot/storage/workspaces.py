"""A workspace, its teammates' roles and the audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.storage import models as m
from bot.storage.models import utcnow
from bot.storage.scope import Scoped, insert_ignore

__all__ = ["Workspaces"]


class Workspaces(Scoped):
    async def ensure_workspace(self, name: str | None = None) -> None:
        await self.session.execute(
            insert_ignore(
                self.session, m.Workspace, {"id": self.ws, "name": name, "created_at": utcnow()}
            )
        )

    async def stored_role(self, user_id: str) -> str | None:
        return await self.session.scalar(
            select(m.Teammate.role).where(
                m.Teammate.workspace_id == self.ws, m.Teammate.user_id == user_id
            )
        )

    async def set_role(self, user_id: str, role: str) -> None:
        await self.session.execute(
            insert_ignore(
                self.session,
                m.Teammate,
                {"workspace_id": self.ws, "user_id": user_id, "role": role},
            )
        )
        row = await self.session.get(m.Teammate, (self.ws, user_id))
        row.role = role

    def audit(self, actor: str, action: str, target: str, details: dict[str, Any]) -> None:
        self.session.add(
            m.AuditLog(
                workspace_id=self.ws,
                actor_user_id=actor,
                action=action,
                target=target,
                details=details,
            )
        )
