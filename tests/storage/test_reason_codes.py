"""Reasons are stored as codes with parameters; sentences stored before that stay readable."""

from __future__ import annotations

import asyncio

from alembic import command
from sqlalchemy import text

from bot.states import Reason
from bot.storage.db import Database, alembic_config
from bot.storage.models import utcnow
from bot.storage.repos import Repo
from bot.sync import reasons
from bot.views.reasons import reason_text

OLD = "Ashby no longer accepts this API key."


async def _migrate(url: str, revision: str, down: bool = False) -> None:
    step = command.downgrade if down else command.upgrade
    await asyncio.to_thread(step, alembic_config(url), revision)


async def _old_connection(db: Database) -> None:
    """A connection as 0006 stored it: its reason a sentence."""
    async with db.engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO workspaces (id, created_at) VALUES ('T1', :now)"),
            {"now": utcnow()},
        )
        await conn.execute(
            text(
                "INSERT INTO connections (workspace_id, user_id, kind, credentials, status, "
                "status_reason, connected_at, sync_mode, dedup_enabled, activity_enabled, "
                "status_advance) VALUES ('T1', 'U1', 'ashby', '', 'needs_reauth', :reason, "
                ":now, 'on_add', true, true, false)"
            ),
            {"reason": OLD, "now": utcnow()},
        )


async def test_a_sentence_stored_before_codes_reads_as_it_was(database_url: str) -> None:
    await _migrate(database_url, "0006_fleet", down=True)
    db = Database(database_url)
    try:
        await _old_connection(db)
        await _migrate(database_url, "head")
        async with db.session() as session:
            conn = await Repo(session, "T1").connection_for("U1")
        assert conn.status_reason == Reason("legacy", {"text": OLD})
        assert reason_text(conn.status_reason) == OLD

        await _migrate(database_url, "0006_fleet", down=True)
        async with db.engine.connect() as raw:
            assert await raw.scalar(text("SELECT status_reason FROM connections")) == OLD
    finally:
        await db.dispose()
        await _migrate(database_url, "head")


async def test_a_reason_is_a_code_with_parameters_and_none_when_empty(database_url: str) -> None:
    db = Database(database_url)
    try:
        async with db.session() as session:
            repo = Repo(session, "T1")
            await repo.ensure_workspace()
            conn = await repo.save_connection("U1", kind="ashby", credentials="", identity=None)
            assert conn.status_reason is None
            assert await repo.mark_needs_reauth(conn.id, reasons.crm_answer(OLD))
        async with db.engine.connect() as raw:
            row = (await raw.execute(text("SELECT status_reason_code FROM connections"))).one()
        assert row == ("crm_answer",)
        async with db.session() as session:
            conn = await Repo(session, "T1").connection_for("U1")
        assert conn.status_reason == reasons.crm_answer(OLD)
    finally:
        await db.dispose()
