"""Imports of CRM lists into sequences. At most one runs per connection: the partial unique
index on running imports says so, whoever asks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.storage import models as m
from bot.storage.models import Reason, utcnow
from bot.storage.scope import Scoped

__all__ = ["ImportRunning", "ListImports"]


class ImportRunning(Exception):
    """Another import of the connection is running (the unit of work must roll back)."""


class ListImports(Scoped):
    async def list_import(self, import_id: int) -> m.ListImport | None:
        return await self.session.scalar(
            select(m.ListImport).where(
                m.ListImport.workspace_id == self.ws, m.ListImport.id == import_id
            )
        )

    async def running_import(self, connection_id: int) -> m.ListImport | None:
        return await self.session.scalar(
            select(m.ListImport).where(
                m.ListImport.connection_id == connection_id, m.ListImport.status == "running"
            )
        )

    async def expire_stale_imports(
        self, connection_id: int, started_before: datetime, reason: Reason
    ) -> None:
        await self.session.execute(
            update(m.ListImport)
            .where(
                m.ListImport.connection_id == connection_id,
                m.ListImport.status == "running",
                m.ListImport.started_at < started_before,
            )
            .values(
                status="failed",
                reason_code=reason.code,
                reason_params=reason.params,
                finished_at=utcnow(),
            )
        )

    async def add_running_import(
        self, connection_id: int, user_id: str, list_id: str, list_name: str, sequence_id: int
    ) -> int:
        """The new import's id; :class:`ImportRunning` when one runs for the connection."""
        job = m.ListImport(
            workspace_id=self.ws,
            connection_id=connection_id,
            user_id=user_id,
            list_id=list_id,
            list_name=list_name,
            sequence_id=sequence_id,
            status="running",
        )
        self.session.add(job)
        try:
            await self.session.flush()
        except IntegrityError:
            raise ImportRunning from None
        return job.id
