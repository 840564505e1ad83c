"""POST /outreach/events as the outreach tool calls it (PRODUCT.md section 6)."""

from __future__ import annotations

import asyncio
import json

import httpx
from sqlalchemy import func, select

from bot.app import Runtime
from bot.storage import models as m
from bot.storage.db import Database
from bot.views.reasons import reason_text
from tests.conftest import OUTREACH_SECRET
from tests.support.outreach import make_event, make_events, outreach_request, sign_outreach


async def post(http: httpx.AsyncClient, payload, **kw) -> httpx.Response:
    body, headers = outreach_request(OUTREACH_SECRET, payload, **kw)
    return await http.post("/outreach/events", content=body, headers=headers)


async def count(runtime: Runtime, model: type[m.Base]) -> int:
    async with runtime.db.session() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def test_single_event_is_stored_then_acknowledged(
    http: httpx.AsyncClient, runtime: Runtime
) -> None:
    response = await post(http, make_event())
    assert response.status_code == 202
    assert response.json() == {"accepted": 1, "duplicates": 0, "rejected": []}
    async with runtime.db.session() as session:
        contact = await session.scalar(select(m.Contact))
        sequence = await session.scalar(select(m.Sequence))
    assert (contact.email, contact.first_name, contact.custom) == (
        "jane@acme.com",
        "Jane",
        {"source": "github"},
    )
    assert (sequence.external_id, sequence.name, sequence.owner_user_id) == (
        "seq-42",
        "Senior Backend Q4",
        "U0001",
    )


async def test_batch_keeps_valid_events_and_explains_each_rejection(
    http: httpx.AsyncClient, runtime: Runtime
) -> None:
    events = [
        *make_events(3),
        make_event(contact={"email": "not-an-email"}),
        make_event(type="email.exploded"),
    ]
    response = await post(http, events)
    body = response.json()
    assert response.status_code == 202
    assert (body["accepted"], body["duplicates"]) == (3, 0)
    assert [r["index"] for r in body["rejected"]] == [3, 4]
    assert "contact.email" in body["rejected"][0]["error"]
    assert "type" in body["rejected"][1]["error"]
    assert await count(runtime, m.OutreachEvent) == 3


async def test_replayed_event_ids_change_nothing(http: httpx.AsyncClient, runtime: Runtime) -> None:
    event = make_event()
    sent = make_event(type="email.sent", contact={"email": "JANE@acme.com "})
    assert (await post(http, [event, sent])).json()["accepted"] == 2
    again = await post(http, [event, sent, event])
    assert again.json() == {"accepted": 0, "duplicates": 3, "rejected": []}
    assert await count(runtime, m.Contact) == 1
    assert await count(runtime, m.Activity) == 1
    assert await count(runtime, m.Membership) == 1


async def test_bad_signature_and_stale_requests_store_nothing(
    http: httpx.AsyncClient, runtime: Runtime
) -> None:
    assert (await post(http, make_event(), bad_signature=True)).status_code == 401
    stale = await post(http, make_event(), stale=True)
    assert stale.status_code == 401
    assert "5 minutes" in stale.json()["error"]
    unsigned = await http.post("/outreach/events", json=make_event())
    assert unsigned.status_code == 401
    assert await count(runtime, m.OutreachEvent) == 0


async def test_oversized_bodies_and_batches_are_refused(http: httpx.AsyncClient) -> None:
    big = json.dumps({"events": [], "padding": "x" * (5 * 1024 * 1024)}).encode()
    response = await http.post(
        "/outreach/events", content=big, headers=sign_outreach(OUTREACH_SECRET, big)
    )
    assert response.status_code == 413
    too_many = await post(http, make_events(1001))
    assert too_many.status_code == 413
    assert "1000" in too_many.json()["error"]


async def test_malformed_bodies_get_a_reason(http: httpx.AsyncClient) -> None:
    body = b"{not json"
    response = await http.post(
        "/outreach/events", content=body, headers=sign_outreach(OUTREACH_SECRET, body)
    )
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["error"]
    listed = b"[1, 2]"
    response = await http.post(
        "/outreach/events", content=listed, headers=sign_outreach(OUTREACH_SECRET, listed)
    )
    assert response.status_code == 400


async def test_email_event_before_added_still_records_the_membership(
    http: httpx.AsyncClient, runtime: Runtime
) -> None:
    await post(http, make_event(type="email.replied", sentiment="interested"))
    async with runtime.db.session() as session:
        membership = await session.scalar(select(m.Membership))
    assert membership.state == "replied"
    assert membership.sentiment == "interested"
    assert membership.sync_state == m.SyncState.NO_CONNECTION
    assert "no CRM connected" in reason_text(membership.sync_reason)


async def test_openapi_document_describes_the_events_api(http: httpx.AsyncClient) -> None:
    doc = (await http.get("/openapi.json")).json()
    operation = doc["paths"]["/outreach/events"]["post"]
    assert set(operation["responses"]) >= {"202", "401", "413"}
    assert "OutreachEvent" in doc["components"]["schemas"]
    assert "contact" in doc["components"]["schemas"]["OutreachEvent"]["properties"]


async def test_healthz(http: httpx.AsyncClient) -> None:
    response = await http.get("/healthz")
    assert response.json() == {"ok": True, "slack_configured": True}


async def test_concurrent_posters_all_get_202(http: httpx.AsyncClient, runtime: Runtime) -> None:
    batches = [make_events(200, team_id="T0001") for _ in range(4)]
    for b, batch in enumerate(batches):
        for i, event in enumerate(batch):
            event["contact"]["email"] = f"p{(i + 50 * b) % 300}@acme.com"  # overlapping people

    answers = await asyncio.gather(*(post(http, batch) for batch in batches))

    assert [a.status_code for a in answers] == [202] * 4
    assert sum(a.json()["accepted"] for a in answers) == 800
    assert await count(runtime, m.OutreachEvent) == 800
    assert await count(runtime, m.Contact) == 300


async def test_a_database_locked_elsewhere_is_a_503_with_retry_after(
    http: httpx.AsyncClient, runtime: Runtime
) -> None:
    runtime.db.lock_wait_seconds = 0.2
    await runtime.db.engine.dispose()  # SQLite connections take the wait when they open
    holder = Database(runtime.db.url)
    async with holder.engine.connect() as lock:
        if holder.is_sqlite:
            await lock.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            await lock.exec_driver_sql("LOCK TABLE outreach_events IN EXCLUSIVE MODE")

        busy = await post(http, make_event())

        await lock.rollback()
    await holder.dispose()
    assert busy.status_code == 503
    assert busy.headers["retry-after"] == "1"
    assert "nothing was stored" in busy.json()["error"]
    assert await count(runtime, m.OutreachEvent) == 0
    assert (await post(http, make_event())).status_code == 202
