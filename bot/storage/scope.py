"""What every query module of one workspace shares: the session of the unit of work and the
workspace every query filters on, so a caller cannot reach another team's rows by mistake."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage import models as m

__all__ = ["Scoped", "insert_ignore"]


def insert_ignore(session: AsyncSession, model: type[m.Base], values: dict[str, Any]):
    """INSERT ... ON CONFLICT DO NOTHING for the session's dialect."""
    dialect = session.bind.dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(model).values(**values).on_conflict_do_nothing()


class Scoped:
    def __init__(self, session: AsyncSession, workspace_id: str):
        if not workspace_id:
            raise ValueError("a workspace id is required")
        self.session = session
        self.ws = workspace_id
