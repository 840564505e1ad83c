"""Saved field mappings: a new version per save; the highest of a record type applies."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from bot.storage import models as m
from bot.storage.scope import Scoped

__all__ = ["Mappings"]


class Mappings(Scoped):
    def _of(self, connection_id: int):
        return (
            m.MappingVersion.workspace_id == self.ws,
            m.MappingVersion.connection_id == connection_id,
        )

    async def latest_mapping_version(
        self, connection_id: int, record_type: str | None = None
    ) -> m.MappingVersion | None:
        query = select(m.MappingVersion).where(*self._of(connection_id))
        if record_type is not None:
            query = query.where(m.MappingVersion.record_type == record_type)
        return await self.session.scalar(query.order_by(m.MappingVersion.version.desc()).limit(1))

    async def mapped_record_types(self, connection_id: int) -> list[str]:
        types = await self.session.scalars(
            select(m.MappingVersion.record_type).where(*self._of(connection_id)).distinct()
        )
        return sorted(types)

    async def add_mapping_version(
        self, connection_id: int, record_type: str, rows: list[dict[str, Any]], user_id: str
    ) -> int:
        current = await self.session.scalar(
            select(func.max(m.MappingVersion.version)).where(*self._of(connection_id))
        )
        version = (current or 0) + 1
        self.session.add(
            m.MappingVersion(
                workspace_id=self.ws,
                connection_id=connection_id,
                version=version,
                record_type=record_type,
                rows=rows,
                created_by=user_id,
            )
        )
        await self.session.flush()
        return version
