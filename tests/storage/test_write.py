"""``Database.write``: one writer at a time on SQLite, bounded waits, and retries of transient
failures, checked on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from bot.storage import models as m
from bot.storage.db import Database, RetryTransaction, StoreBusy


@pytest.fixture(params=["sqlite", "postgres"])
async def db(request: pytest.FixtureRequest, database_url: str) -> AsyncIterator[Database]:
    url = (
        database_url if request.param == "sqlite" else request.getfixturevalue("postgres_database")
    )
    database = Database(url)
    database.lock_wait_seconds = 0.2
    yield database
    await database.dispose()


async def add_workspace(db: Database, team: str) -> None:
    async def work(session):
        session.add(m.Workspace(id=team))

    await db.write(work)


async def workspaces(db: Database) -> list[str]:
    async with db.session() as session:
        return sorted(await session.scalars(select(m.Workspace.id)))


async def test_a_retry_runs_the_work_again_from_the_start(db: Database) -> None:
    tries = []

    async def work(session):
        tries.append(1)
        session.add(m.Workspace(id=f"T{len(tries)}"))
        await session.flush()
        if len(tries) == 1:
            raise RetryTransaction("someone else created it")
        return "done"

    assert await db.write(work) == "done"
    assert await workspaces(db) == ["T2"]  # the first try was rolled back


async def test_a_failure_that_stays_is_store_busy_and_nothing_is_kept(db: Database) -> None:
    async def work(session):
        session.add(m.Workspace(id="T1"))
        await session.flush()
        raise RetryTransaction

    with pytest.raises(StoreBusy):
        await db.write(work, attempts=2)
    assert await workspaces(db) == []


async def test_a_real_error_is_not_retried(db: Database) -> None:
    await add_workspace(db, "T1")
    tries = []

    async def work(session):
        tries.append(1)
        session.add(m.Workspace(id="T1"))
        await session.flush()

    with pytest.raises(IntegrityError):
        await db.write(work)
    assert len(tries) == 1


async def test_concurrent_writers_all_commit(db: Database) -> None:
    await asyncio.gather(*(add_workspace(db, f"T{i}") for i in range(8)))
    assert len(await workspaces(db)) == 8


async def test_a_lock_held_elsewhere_is_store_busy_after_the_wait(db: Database) -> None:
    """Another process holds the write lock (SQLite) or the table (PostgreSQL)."""
    other = Database(db.url)
    async with other.engine.connect() as holder:
        if db.is_sqlite:
            await holder.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            await holder.execute(text("LOCK TABLE workspaces IN EXCLUSIVE MODE"))

        with pytest.raises(StoreBusy):
            await add_workspace(db, "T1")
        await holder.rollback()
    await other.dispose()

    await add_workspace(db, "T1")
    assert await workspaces(db) == ["T1"]
