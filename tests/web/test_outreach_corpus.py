"""A corpus of bad input for POST /outreach/events, on SQLite and PostgreSQL.

Every input gets a clear answer: a 4xx with a reason for a body that cannot be used, or a 202
whose ``rejected`` names each bad event's index and why, the good events of the batch being
stored. Nothing is stored for what was refused, and the app keeps serving afterwards.
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from bot.app import Runtime
from bot.storage import models as m
from tests.conftest import OUTREACH_SECRET
from tests.support.outreach import OMIT, make_event, make_events, sign_outreach

NESTED_5000 = "[" * 5000 + "]" * 5000

# (name, event or raw JSON text standing for one item of a batch): each is refused alone.
BAD_EVENTS: list[tuple[str, Any]] = [
    ("NUL in a name", make_event(contact={"first_name": "Ja\u0000ne"})),
    ("NUL in the id", make_event(id="evt-\u0000")),
    ("NUL in the sequence name", make_event(sequence={"name": "Q4\u0000"})),
    ("NUL in a custom field name", make_event(contact={"custom": {"k\u0000": 1}})),
    ("NUL in a custom value", make_event(contact={"custom": {"k": "v\u0000"}})),
    ("NUL in the message", make_event(message={"snippet": "\u0000"})),
    ("NaN in custom", '{"k": NaN}'),
    ("Infinity in custom", '{"k": Infinity}'),
    ("-Infinity in custom", '{"k": -Infinity}'),
    ("1e400 in custom", '{"k": 1e400}'),
    ("5,000 levels inside custom's value", '{"k": ' + '{"a": ' * 900 + "1" + "}" * 900 + "}"),
    ("a list in custom", make_event(contact={"custom": {"k": [1, 2]}})),
    ("an unpaired surrogate", '"\\ud800"'),
    ("id is a number", make_event(id=42)),
    ("id is empty", make_event(id="  ")),
    ("id is 256 characters", make_event(id="e" * 256)),
    ("contact is a string", make_event(contact="jane@acme.com")),
    ("custom is a list", make_event(contact={"custom": ["a"]})),
    ("occurred_at is prose", make_event(occurred_at="yesterday")),
    ("occurred_at before year 1 in UTC", make_event(occurred_at="0001-01-01T00:00:00+01:00")),
    ("occurred_at after 9999 in UTC", make_event(occurred_at="9999-12-31T23:59:59-01:00")),
    ("team_id is null", make_event(team_id=None)),
    ("team_id is 33 characters", make_event(team_id="T" * 33)),
    ("unknown type", make_event(type="email.exploded")),
    ("unknown sentiment", make_event(type="email.replied", sentiment="meh")),
    ("no id", make_event(id=OMIT)),
    ("no contact", make_event(contact=OMIT)),
    ("no email", make_event(contact={"email": OMIT})),
    ("no occurred_at", make_event(occurred_at=OMIT)),
    ("not an email", make_event(contact={"email": "not-an-email"})),
    ("email without a dot", make_event(contact={"email": "jane@acme"})),
    ("email on a special-use domain", make_event(contact={"email": "jane@acme.local"})),
    ("email with a right-to-left override", make_event(contact={"email": "\u202ejane@acme.com"})),
    ("first_name of 256 characters", make_event(contact={"first_name": "x" * 256})),
    ("an event that is a number", "42"),
    ("an event that is null", "null"),
    ("an event that is a list", "[]"),
]

# Odd but valid: stored exactly as sent.
ODD_GOOD_EVENTS: list[tuple[str, dict[str, Any]]] = [
    ("SQL in a name", make_event(contact={"first_name": "Robert'); DROP TABLE contacts;--"})),
    ("markup in the company", make_event(contact={"company": "<script>alert(1)</script>"})),
    ("a template in the title", make_event(contact={"title": "${jndi:ldap://x/a}"})),
    ("quotes in the team id", make_event(team_id="T1' OR '1'='1")),
    ("Unicode email", make_event(contact={"email": "josé@exämple.com"})),
    ("right-to-left email", make_event(contact={"email": "مستخدم@مثال.مصر"})),
    ("emoji in custom", make_event(contact={"custom": {"😀": "✓", "n": 10**30}})),
    ("occurred_at in 1970", make_event(occurred_at="1970-01-01T00:00:00Z")),
    ("occurred_at in 9999", make_event(occurred_at="9999-12-31T23:59:59Z")),
]


def as_json(item: Any) -> str:
    return item if isinstance(item, str) else json.dumps(item)


def bad_event_text(name: str, item: Any) -> str:
    """The bad part inside an otherwise valid event, when the case is a fragment."""
    if not isinstance(item, str) or name.startswith("an event that"):
        return as_json(item)
    if "custom" in name:
        event = make_event(contact={"custom": {"placeholder": 0}})
        return json.dumps(event).replace('{"placeholder": 0}', item)
    return json.dumps(make_event(contact={"first_name": "PLACEHOLDER"})).replace(
        '"PLACEHOLDER"', item
    )


def _at_send_time(value: str) -> str:
    """A value "now+400" becomes the timestamp 400 s after the request is sent."""
    return str(int(time.time()) + int(value[3:])) if value.startswith("now") else value


async def post(http: httpx.AsyncClient, body: bytes, **headers: str) -> httpx.Response:
    signed = sign_outreach(OUTREACH_SECRET, body)
    # Sent as UTF-8 bytes, as a client may.
    raw = {k: _at_send_time(v).encode() for k, v in {**signed, **headers}.items()}
    return await http.post("/outreach/events", content=body, headers=raw)


async def stored(runtime: Runtime) -> tuple[int, int]:
    async with runtime.db.session() as session:
        events = await session.scalar(select(func.count()).select_from(m.OutreachEvent))
        contacts = await session.scalar(select(func.count()).select_from(m.Contact))
    return events, contacts


async def still_serving(http: httpx.AsyncClient) -> None:
    body = json.dumps(make_event()).encode()
    assert (await post(http, body)).status_code == 202


async def test_each_bad_event_is_rejected_by_index_and_the_good_ones_are_kept(
    http: httpx.AsyncClient, runtime: Runtime
) -> None:
    good = make_events(len(BAD_EVENTS) + 1)
    items = [json.dumps(good[0])]
    for (name, item), valid in zip(BAD_EVENTS, good[1:], strict=True):
        items += [bad_event_text(name, item), json.dumps(valid)]
    body = ('{"events": [' + ", ".join(items) + "]}").encode()

    response = await post(http, body)

    assert response.status_code == 202, response.text
    answer = response.json()
    assert answer["accepted"] == len(good)
    rejected = {r["index"]: r["error"] for r in answer["rejected"]}
    for i, (name, _) in enumerate(BAD_EVENTS):
        assert 2 * i + 1 in rejected, f"{name} was not rejected"
        assert rejected[2 * i + 1], f"{name} has no reason"
    assert len(rejected) == len(BAD_EVENTS)
    assert await stored(runtime) == (len(good), len(good))


async def test_one_poison_event_does_not_cost_the_other_999(
    http: httpx.AsyncClient, runtime: Runtime
) -> None:
    events = make_events(1000)
    events[500]["contact"]["first_name"] = "\u0000"
    events[700]["contact"]["custom"] = {"score": float("nan")}

    response = await post(http, json.dumps({"events": events}).encode())

    assert response.status_code == 202, response.text
    assert response.json()["accepted"] == 998
    assert [r["index"] for r in response.json()["rejected"]] == [500, 700]
    assert await stored(runtime) == (998, 998)


async def test_odd_but_valid_events_are_stored_as_sent(
    http: httpx.AsyncClient, runtime: Runtime
) -> None:
    events = [event for _, event in ODD_GOOD_EVENTS]
    for i, event in enumerate(events):
        event["contact"].setdefault("email", f"odd{i}@acme.com")
        if event["contact"]["email"] == "jane@acme.com":
            event["contact"]["email"] = f"odd{i}@acme.com"

    response = await post(http, json.dumps({"events": events}).encode())

    assert response.json() == {"accepted": len(events), "duplicates": 0, "rejected": []}
    async with runtime.db.session() as session:
        names = set(await session.scalars(select(m.Contact.first_name)))
        teams = set(await session.scalars(select(m.Workspace.id)))
        emails = set(await session.scalars(select(m.Contact.email)))
    assert "Robert'); DROP TABLE contacts;--" in names
    assert "T1' OR '1'='1" in teams
    assert {"josé@exämple.com", "مستخدم@مثال.مصر"} <= emails


def _over_5_mb() -> bytes:
    return json.dumps({"events": [], "padding": "x" * (5 * 1024 * 1024)}).encode()


# (name, body, extra headers, status, words the reason holds)
BAD_BODIES: list[tuple[str, bytes, dict[str, str], int, str]] = [
    ("not JSON", b"{not json", {}, 400, "not valid JSON"),
    ("not UTF-8", b'{"id": "\xff\xfe"}', {}, 400, "not valid JSON"),
    ("empty", b"", {}, 400, "not valid JSON"),
    ("100,000 levels deep", b"[" * 100_000 + b"]" * 100_000, {}, 400, "nested too deeply"),
    (
        "5,000 levels inside custom",
        json.dumps(make_event()).replace('"github"', NESTED_5000).encode(),
        {},
        400,
        "nested too deeply",
    ),
    ("an integer of 5,000 digits", b'{"id": ' + b"9" * 5000 + b"}", {}, 400, "not valid JSON"),
    ("a list", b"[1, 2]", {}, 400, "one event object"),
    ("a string", b'"event"', {}, 400, "one event object"),
    ("null", b"null", {}, 400, "one event object"),
    ("events not a list", b'{"events": {"id": 1}}', {}, 400, "must be a list"),
    ("1,001 events", json.dumps({"events": make_events(1001)}).encode(), {}, 413, "1000"),
    ("over 5 MB", _over_5_mb(), {}, 413, "5 MB"),
    ("unsigned", b"{}", {"X-Outreach-Signature": ""}, 401, "missing"),
    ("wrong signature", b"{}", {"X-Outreach-Signature": "v1=" + "0" * 64}, 401, "does not match"),
    ("a signature with non-ASCII", b"{}", {"X-Outreach-Signature": "v1=\u00e9"}, 401, "match"),
    (
        "a stale timestamp",
        b"{}",
        {"X-Outreach-Timestamp": "now-400"},
        401,
        "5 minutes",
    ),
    (
        "a future timestamp",
        b"{}",
        {"X-Outreach-Timestamp": "now+400"},
        401,
        "5 minutes",
    ),
    ("a timestamp in words", b"{}", {"X-Outreach-Timestamp": "soon"}, 401, "unix timestamp"),
    (
        "a timestamp of 5,000 digits",
        b"{}",
        {"X-Outreach-Timestamp": "9" * 5000},
        401,
        "unix timestamp",
    ),
]


@pytest.mark.parametrize(
    ("name", "body", "headers", "status", "words"), BAD_BODIES, ids=[c[0] for c in BAD_BODIES]
)
async def test_an_unusable_body_gets_a_4xx_with_a_reason_and_stores_nothing(
    http: httpx.AsyncClient,
    runtime: Runtime,
    name: str,
    body: bytes,
    headers: dict[str, str],
    status: int,
    words: str,
) -> None:
    response = await post(http, body, **headers)

    assert response.status_code == status, response.text
    assert words in response.json()["error"]
    assert await stored(runtime) == (0, 0)
    await still_serving(http)
