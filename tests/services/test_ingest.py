"""The ingest rules on a real database (SQLite, and PostgreSQL in its pass of ``make test``).

A batch is applied in memory and written set-based; these tests pin that it means exactly what
the same events sent one by one mean, whatever order and repetition the batch holds.
"""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import Runtime
from bot.services.connections import verify_and_save
from bot.services.events import EVENT_TYPES, OutreachEvent
from bot.services.ingest import ingest
from bot.services.settings import SettingsUpdate, save_settings
from bot.storage import models as m
from tests.support.emulators import ASHBY_KEY
from tests.support.outreach import make_event

START = datetime(2026, 11, 1, tzinfo=UTC)


def event(**overrides: Any) -> OutreachEvent:
    return OutreachEvent.model_validate(make_event(**overrides))


async def rows(runtime: Runtime, model: type[m.Base], team: str = "T0001") -> list[Any]:
    async with runtime.db.session() as session:
        return list(
            await session.scalars(select(model).where(model.workspace_id == team))  # type: ignore[attr-defined]
        )


async def test_later_events_fill_fields_never_blank_them_and_merge_custom(
    runtime: Runtime,
) -> None:
    first = event(contact={"email": "Jane@Acme.com", "custom": {"a": 1}, "title": "CTO"})
    second = event(
        type="email.sent",
        contact={"email": "jane@acme.com", "title": "", "company": None, "custom": {"b": "x"}},
    )
    third = event(
        type="email.opened", contact={"email": "jane@acme.com", "last_name": "Roe", "title": None}
    )

    result = await ingest(runtime.db, [first, second, third])

    assert (result.accepted, result.duplicates) == (3, 0)
    [contact] = await rows(runtime, m.Contact)
    assert (contact.email, contact.title, contact.company, contact.last_name) == (
        "jane@acme.com",
        "CTO",
        "Acme",
        "Roe",
    )
    assert contact.custom == {"a": 1, "b": "x", "source": "github"}
    assert {a.kind for a in await rows(runtime, m.Activity)} == {"sent", "opened"}


async def test_removed_then_added_re_adds_and_a_reply_is_not_overwritten_by_sent(
    runtime: Runtime,
) -> None:
    batch = [
        event(type="email.replied", sentiment="interested", occurred_at="2026-11-01T10:00:00Z"),
        event(type="email.sent", occurred_at="2026-11-01T09:00:00Z"),
        event(type="contact.removed"),
        event(type="contact.added"),
    ]
    await ingest(runtime.db, batch[:2])
    [membership] = await rows(runtime, m.Membership)
    assert (membership.state, membership.sentiment) == ("replied", "interested")
    assert membership.replied_at == datetime(2026, 11, 1, 10, tzinfo=UTC)

    await ingest(runtime.db, batch[2:])
    [membership] = await rows(runtime, m.Membership)
    assert membership.state == "added"


async def test_a_repeated_id_in_one_batch_is_a_duplicate(runtime: Runtime) -> None:
    first = event()
    again = event(id=first.id, contact={"email": "other@acme.com"})

    result = await ingest(runtime.db, [first, again, first])

    assert (result.accepted, result.duplicates) == (1, 2)
    assert [c.email for c in await rows(runtime, m.Contact)] == ["jane@acme.com"]


async def test_the_same_event_id_in_two_teams_is_two_events(runtime: Runtime) -> None:
    mine = event(type="email.sent", id="evt-1", team_id="T0001")
    theirs = event(type="email.sent", id="evt-1", team_id="T0002")

    assert (await ingest(runtime.db, [mine])).accepted == 1
    assert (await ingest(runtime.db, [theirs])).accepted == 1
    assert (await ingest(runtime.db, [theirs, mine])).duplicates == 2

    for team in ("T0001", "T0002"):
        assert [e.id for e in await rows(runtime, m.OutreachEvent, team)] == ["evt-1"]
        assert [a.event_id for a in await rows(runtime, m.Activity, team)] == ["evt-1"]


async def test_a_new_sequence_belongs_to_its_first_sender_and_takes_later_names(
    runtime: Runtime,
) -> None:
    await ingest(
        runtime.db,
        [
            event(user_id="U1", sequence={"id": "s", "name": None}),
            event(
                user_id="U2", sequence={"id": "s", "name": "Renamed"}, contact={"email": "b@x.io"}
            ),
        ],
    )
    [sequence] = await rows(runtime, m.Sequence)
    assert (sequence.owner_user_id, sequence.name) == ("U1", "Renamed")


# --- one batch means what the same events one by one mean -----------------------------------


def scenario(rng: random.Random) -> list[dict[str, Any]]:
    """A few events over two sequences and three people, in any order, some ids repeated."""
    made: list[dict[str, Any]] = []
    for i in range(rng.randint(1, 12)):
        if made and rng.random() < 0.15:
            made.append(dict(rng.choice(made)))  # a replayed event
            continue
        kind = rng.choice(EVENT_TYPES)
        made.append(
            make_event(
                id=f"e{i}",
                type=kind,
                occurred_at=(START + timedelta(minutes=rng.randint(0, 500))).isoformat(),
                user_id=rng.choice(["U0001", "U0002"]),
                sequence={"id": rng.choice(["s1", "s2"]), "name": rng.choice([None, "A", "B"])},
                contact={
                    "email": rng.choice(["a@x.io", "B@x.io", " c@x.io"]),
                    "first_name": rng.choice([None, "", "Ann", "Bo"]),
                    "title": rng.choice([None, "CTO"]),
                    "custom": rng.choice([{}, {"k": 1}, {"k": "v", "j": True}]),
                },
                message=rng.choice([None, {"subject": "Hi", "snippet": "..."}]),
                sentiment=rng.choice([None, "interested"]) if kind == "email.replied" else None,
            )
        )
    return made


async def snapshot(runtime: Runtime, team: str) -> dict[str, Any]:
    """Everything ingest wrote for ``team``, without ids and arrival times."""
    async with runtime.db.session() as session:
        seqs = {s.id: s.external_id for s in await session.scalars(select(m.Sequence))}
        people = {c.id: c.email for c in await session.scalars(select(m.Contact))}
        members = {}
        for ms in await session.scalars(
            select(m.Membership).where(m.Membership.workspace_id == team)
        ):
            members[ms.id] = (seqs[ms.sequence_id], people[ms.contact_id])
        return {
            "sequences": sorted(
                (s.external_id, s.name, s.owner_user_id)
                for s in await session.scalars(
                    select(m.Sequence).where(m.Sequence.workspace_id == team)
                )
            ),
            "contacts": sorted(
                (c.email, c.first_name, c.title, c.company, sorted(c.custom.items()))
                for c in await session.scalars(
                    select(m.Contact).where(m.Contact.workspace_id == team)
                )
            ),
            "memberships": sorted(
                (
                    members[ms.id],
                    ms.state,
                    ms.sentiment,
                    ms.added_at,
                    ms.replied_at,
                    ms.sync_state,
                    ms.sync_reason,
                    ms.dedup_state,
                )
                for ms in await session.scalars(
                    select(m.Membership).where(m.Membership.workspace_id == team)
                )
            ),
            "activities": sorted(
                (
                    a.event_id,
                    members[a.membership_id],
                    a.kind,
                    a.occurred_at,
                    a.subject,
                    a.sentiment,
                )
                for a in await session.scalars(
                    select(m.Activity).where(m.Activity.workspace_id == team)
                )
            ),
            "events": sorted(
                (e.id, e.type, e.payload["contact"]["email"])
                for e in await session.scalars(
                    select(m.OutreachEvent).where(m.OutreachEvent.workspace_id == team)
                )
            ),
        }


@pytest.mark.parametrize("mode", ["no connection", "on_add", "on_reply"])
async def test_a_batch_equals_its_events_one_by_one(runtime: Runtime, mode: str) -> None:
    rng = random.Random(f"ingest-{mode}")
    for round_ in range(8):
        batch_team, single_team = f"TB{round_}", f"TS{round_}"
        if mode != "no connection":
            for team in (batch_team, single_team):
                await connected(runtime, team, mode)
        events = scenario(rng)

        as_batch = [OutreachEvent.model_validate({**e, "team_id": batch_team}) for e in events]
        batch_result = await ingest(runtime.db, as_batch)
        single_results = [
            await ingest(runtime.db, [OutreachEvent.model_validate({**e, "team_id": single_team})])
            for e in events
        ]

        assert batch_result.accepted == sum(r.accepted for r in single_results)
        batch, single = await snapshot(runtime, batch_team), await snapshot(runtime, single_team)
        assert batch == single, events


async def connected(runtime: Runtime, team: str, mode: str) -> None:
    await verify_and_save(
        runtime.db,
        runtime.box,
        runtime.connector,
        workspace_id=team,
        user_id="U0001",
        kind="ashby",
        credentials={"api_key": ASHBY_KEY},
    )
    update = SettingsUpdate(
        sync_mode=m.SyncMode(mode),
        sync_as=None,
        dedup_enabled=True,
        activity_enabled=True,
        default_job_id=None,
        default_job_name=None,
        alert_channel_id=None,
    )
    await save_settings(runtime, team, "U0001", update)


# --- concurrent batches ---------------------------------------------------------------------


async def test_concurrent_batches_over_the_same_people_all_land(runtime: Runtime) -> None:
    """Four batches at once, each touching the same 50 people in its own order."""
    emails = [f"p{i}@x.io" for i in range(50)]
    batches = []
    for b in range(4):
        order = random.Random(b).sample(emails, len(emails))
        batches.append(
            [
                event(
                    id=f"b{b}-{i}",
                    type=("contact.added", "email.sent")[b % 2],
                    contact={"email": email, "custom": {f"b{b}": i}},
                )
                for i, email in enumerate(order)
            ]
        )

    results = await asyncio.gather(*(ingest(runtime.db, batch) for batch in batches))

    assert [r.accepted for r in results] == [50] * 4
    contacts = await rows(runtime, m.Contact)
    assert len(contacts) == 50
    assert all(set(c.custom) == {"b0", "b1", "b2", "b3"} for c in contacts)
    assert len(await rows(runtime, m.Membership)) == 50
    assert len(await rows(runtime, m.Activity)) == 100
