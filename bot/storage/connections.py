"""A teammate's connection to their CRM, with its settings and health."""

from __future__ import annotations

from sqlalchemy import select, update

from bot.storage import models as m
from bot.storage.models import Reason, utcnow
from bot.storage.scope import Scoped

__all__ = ["Connections"]


class Connections(Scoped):
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

    async def mark_needs_reauth(self, connection_id: int, reason: Reason) -> bool:
        """Move an active connection to needs_reauth; False when it was not active (another
        pass got there first, or the teammate disconnected)."""
        moved = await self.session.scalar(
            update(m.Connection)
            .where(
                m.Connection.workspace_id == self.ws,
                m.Connection.id == connection_id,
                m.Connection.status == m.ConnectionStatus.ACTIVE,
            )
            .values(
                status=m.ConnectionStatus.NEEDS_REAUTH,
                status_reason_code=reason.code,
                status_reason_params=reason.params,
            )
            .returning(m.Connection.id)
        )
        return moved is not None
