"""The ingest rules on a real database (SQLite, and PostgreSQL in its pass of ``make test``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.app import Runtime
from bot.services.events import OutreachEvent
from bot.services.ingest import ingest
from bot.storage import models as m
from tests.support.outreach import make_event


def event(**overrides: Any) -> OutreachEvent:
    return OutreachEvent.model_validate(make_event(**overrides))


async def rows(runtime: Runtime, model: type[m.Base], team: str = "T0001") -> list[Any]:
    async with runtime.db.session() as session:
        return list(
            await session.scalars(select(model).where(model.workspace_id == team))  # type: ignore[attr-defined]
        )


async def test_the_same_event_id_in_two_teams_is_two_events(runtime: Runtime) -> None:
    mine = event(type="email.sent", id="evt-1", team_id="T0001")
    theirs = event(type="email.sent", id="evt-1", team_id="T0002")

    assert (await ingest(runtime.db, [mine])).accepted == 1
    assert (await ingest(runtime.db, [theirs])).accepted == 1
    assert (await ingest(runtime.db, [theirs, mine])).duplicates == 2

    for team in ("T0001", "T0002"):
        assert [e.id for e in await rows(runtime, m.OutreachEvent, team)] == ["evt-1"]
        assert [a.event_id for a in await rows(runtime, m.Activity, team)] == ["evt-1"]
