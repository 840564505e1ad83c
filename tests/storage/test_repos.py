"""Repository behaviour that differs by dialect, checked on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.storage.db import Database
from bot.storage.models import utcnow
from bot.storage.repos import Repo


@pytest.fixture(params=["sqlite", "postgres"])
async def db(request: pytest.FixtureRequest, database_url: str) -> AsyncIterator[Database]:
    url = (
        database_url if request.param == "sqlite" else request.getfixturevalue("postgres_database")
    )
    database = Database(url)
    yield database
    await database.dispose()


async def test_an_event_id_is_recorded_once(db: Database) -> None:
    async with db.session() as session:
        repo = Repo(session, "T1")
        await repo.ensure_workspace()
        assert await repo.record_event("evt-1", "contact.added", utcnow(), {})
        assert not await repo.record_event("evt-1", "contact.added", utcnow(), {})


async def test_ensure_workspace_twice_is_harmless(db: Database) -> None:
    for _ in range(2):
        async with db.session() as session:
            await Repo(session, "T1").ensure_workspace("Acme")


async def test_sequences_are_scoped_to_their_workspace(db: Database) -> None:
    async with db.session() as session:
        for team in ("T1", "T2"):
            repo = Repo(session, team)
            await repo.ensure_workspace()
            await repo.upsert_sequence("seq-1", f"{team} outreach", "U1")
    async with db.session() as session:
        sequence = await Repo(session, "T2").upsert_sequence("seq-1", "T2 outreach", "U1")
        assert sequence.workspace_id == "T2"
        assert sequence.name == "T2 outreach"
