"""Login-flow states in storage: bound to one browser once, spent once, per workspace."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from alembic import command
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from bot.storage.db import Database, alembic_config
from bot.storage.models import utcnow
from bot.storage.oauth_states import oauth_state, purge_oauth_states
from bot.storage.repos import Repo

STATE = "a" * 64


async def _add(db: Database, workspace: str = "T1", minutes: int = 10) -> None:
    now = utcnow()
    async with db.session() as session:
        repo = Repo(session, workspace)
        await repo.ensure_workspace()
        await repo.add_oauth_state(
            STATE,
            user_id="U1",
            kind="salesforce",
            code_verifier="v1:x:y",
            now=now,
            expires_at=now + timedelta(minutes=minutes),
        )


async def test_a_state_binds_to_one_browser_and_is_spent_once(database_url: str):
    db = Database(database_url)
    await _add(db)
    now = utcnow()
    async with db.session() as session:
        repo = Repo(session, "T1")
        assert await repo.bind_oauth_state(STATE, "browser-1", now)
        assert not await repo.bind_oauth_state(STATE, "browser-2", now)
        assert not await repo.consume_oauth_state(STATE, "browser-2", now)
        assert await repo.consume_oauth_state(STATE, "browser-1", now)
        assert not await repo.consume_oauth_state(STATE, "browser-1", now)
        row = await oauth_state(session, STATE)
        assert row is not None and row.used_at is not None
    await db.dispose()


async def test_another_workspace_cannot_bind_or_spend_the_state(database_url: str):
    db = Database(database_url)
    await _add(db)
    now = utcnow()
    async with db.session() as session:
        other = Repo(session, "T2")
        assert not await other.bind_oauth_state(STATE, "browser-1", now)
        assert await Repo(session, "T1").bind_oauth_state(STATE, "browser-1", now)
        assert not await other.consume_oauth_state(STATE, "browser-1", now)
    await db.dispose()


async def test_an_expired_state_cannot_be_bound_and_is_purged_later(database_url: str):
    db = Database(database_url)
    await _add(db, minutes=-1)
    async with db.session() as session:
        assert not await Repo(session, "T1").bind_oauth_state(STATE, "browser-1", utcnow())
        await purge_oauth_states(session, utcnow() - timedelta(days=1))
        assert await oauth_state(session, STATE) is not None  # kept a while for readable replies
        await purge_oauth_states(session, utcnow())
        assert await oauth_state(session, STATE) is None
    await db.dispose()


async def _tables(database_url: str) -> set[str]:
    engine = create_async_engine(database_url)
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    await engine.dispose()
    return names


async def test_the_migration_goes_down_and_up_again(database_url: str):
    config = alembic_config(database_url)
    assert "oauth_states" in await _tables(database_url)
    await asyncio.to_thread(command.downgrade, config, "0001")
    assert "oauth_states" not in await _tables(database_url)
    await asyncio.to_thread(command.upgrade, config, "head")
    assert "oauth_states" in await _tables(database_url)
