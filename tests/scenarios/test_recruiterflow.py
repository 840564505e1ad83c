"""Recruiterflow through signed Slack requests and outreach events: connect with an API key,
choose Candidate or Contact and a default job, then contacts sync through the scheduler."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from bot.app import Runtime
from bot.storage import models as m
from bot.views.reasons import reason_text
from sandbox.recruiterflow import RecruiterflowState
from tests.conftest import eventually
from tests.scenarios.conftest import membership_of, opened_view, send_events
from tests.scenarios.test_ashby_sync import added, make_event, synced
from tests.support.driver import SlackUser
from tests.support.emulators import RF_KEY
from tests.support.fake_slack import FakeSlack


async def connect(user: SlackUser, slack: FakeSlack, key: str) -> dict:
    before = len(slack.views)
    await user.command("connect recruiterflow")
    view = await opened_view(slack, before + 1)
    assert [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"] == ["API key"]
    return await user.submit(view, {"API key": key})


async def settings_view(user: SlackUser, slack: FakeSlack) -> dict:
    before = len(slack.views)
    await user.command("settings")
    return await opened_view(slack, before + 1)


def job_answer(job) -> dict:
    return {"text": {"type": "plain_text", "text": job.name}, "value": str(job.id)}


async def test_connect_refuses_a_bad_key_inline_and_stores_a_good_one_encrypted(
    user: SlackUser, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    bad = await connect(user, fake_slack, "not-the-key")
    assert bad["response_action"] == "errors"
    assert "Recruiterflow" in next(iter(bad["errors"].values()))
    assert "not-the-key" not in str(bad)

    good = await connect(user, fake_slack, RF_KEY)
    assert good["response_action"] == "update"
    assert "Connected to *Recruiterflow*" in str(good["view"])
    async with runtime.db.session() as session:
        conn = await session.scalar(select(m.Connection))
    assert (conn.kind, conn.status) == ("recruiterflow", "active")
    assert RF_KEY not in conn.credentials
    assert runtime.box.decrypt_json(conn.credentials) == {"api_key": RF_KEY}


async def test_settings_offer_candidate_or_contact_and_open_jobs(
    user: SlackUser, fake_slack: FakeSlack, runtime: Runtime, recruiterflow: RecruiterflowState
) -> None:
    backend = recruiterflow.add_job("Senior Backend Engineer")
    recruiterflow.add_job("Designer")
    recruiterflow.add_job("Old role", is_open=False)
    await connect(user, fake_slack, RF_KEY)
    view = await settings_view(user, fake_slack)
    sync_as = next(b for b in view["blocks"] if b.get("block_id") == "sync_as")
    assert [o["value"] for o in sync_as["element"]["options"]] == ["Candidate", "Contact"]

    options = (await user.suggest(view, "job_select", "default_job", ""))["options"]
    assert {o["text"]["text"] for o in options} == {"Senior Backend Engineer", "Designer"}
    options = (await user.suggest(view, "job_select", "default_job", "backend"))["options"]
    assert [o["value"] for o in options] == [str(backend.id)]

    await user.submit(view, {"Sync as": "Contact", "Default job": job_answer(backend)})
    async with runtime.db.session() as session:
        conn = await session.scalar(select(m.Connection))
    assert (conn.sync_as, conn.default_job_id) == ("Contact", str(backend.id))


async def test_contacts_sync_once_onto_default_and_sequence_jobs_with_activities(
    user: SlackUser,
    fake_slack: FakeSlack,
    runtime: Runtime,
    recruiterflow: RecruiterflowState,
    http: httpx.AsyncClient,
) -> None:
    default_job = recruiterflow.add_job("Senior Backend Engineer")
    other_job = recruiterflow.add_job("Staff Engineer")
    recruiterflow.add_activity_type("Outreach email")
    await connect(user, fake_slack, RF_KEY)
    await user.submit(
        await settings_view(user, fake_slack),
        {"Sync as": "Candidate", "Default job": job_answer(default_job), "Options": ["activity"]},
    )
    runtime.clock.start()

    await send_events(
        http,
        [
            added("jane@acme.com", "Jane", seq="seq-1"),
            make_event(
                type="email.sent",
                contact={"email": "jane@acme.com"},
                sequence={"id": "seq-1", "name": "Sequence seq-1"},
            ),
        ],
    )
    await eventually(lambda: synced(runtime, "jane@acme.com", "seq-1"))
    # The second sequence picks its own job in /crm sequence before Jane joins it.
    await send_events(http, [added("first@acme.com", "First", seq="seq-2")])
    before = len(fake_slack.views)
    await user.command("sequence seq-2")
    await user.submit(await opened_view(fake_slack, before + 1), {"Job": job_answer(other_job)})
    await send_events(http, [added("jane@acme.com", "Jane", seq="seq-2")])
    await eventually(lambda: synced(runtime, "jane@acme.com", "seq-2"))

    [jane] = recruiterflow.people_with_email("jane@acme.com")
    assert jane.kind == "candidate"
    assert sorted(jane.jobs) == sorted([default_job.id, other_job.id])
    assert recruiterflow.calls["candidate/add"] == 2  # Jane and First, once each
    await eventually(lambda: len(recruiterflow.activities_of(jane.id)) == 1)
    [activity] = recruiterflow.activities_of(jane.id)
    assert activity.is_custom and activity.type["name"] == "Outreach email"

    calls = sum(recruiterflow.calls.values())
    await runtime.clock.tick()
    await runtime.runner.drain()
    assert len(recruiterflow.activities_of(jane.id)) == 1
    assert sum(recruiterflow.calls.values()) == calls


async def test_an_existing_contact_is_flagged_before_anything_syncs(
    user: SlackUser,
    fake_slack: FakeSlack,
    runtime: Runtime,
    recruiterflow: RecruiterflowState,
    http: httpx.AsyncClient,
) -> None:
    existing = recruiterflow.add_contact("Bob", "Existing", "bob@acme.com")
    await connect(user, fake_slack, RF_KEY)
    await user.submit(await settings_view(user, fake_slack), {"Options": ["dedup", "activity"]})
    runtime.clock.start()
    await send_events(http, [added("Bob@Acme.com", "Bob")])
    await eventually(lambda: fake_slack.calls_to("chat.postMessage"))
    bob = await membership_of(runtime, "bob@acme.com")
    assert (reason_text(bob.flag), bob.flag_record_id) == (
        "Exists in Recruiterflow",
        str(existing.id),
    )
    assert recruiterflow.calls["candidate/add"] == recruiterflow.calls["contact/add"] == 0
