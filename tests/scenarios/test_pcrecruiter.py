"""PCRecruiter through signed Slack requests and outreach events: connect with Database ID,
username and password (plus API key and App ID), then contacts and their email activity sync
through the scheduler; an expired session is renewed on the way."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from bot.app import Runtime
from bot.storage import models as m
from sandbox.pcrecruiter import PCRecruiterState
from tests.conftest import PCR_LOGIN, eventually
from tests.scenarios.conftest import opened_view, send_events
from tests.scenarios.test_ashby_sync import added, make_event, synced
from tests.support.driver import SlackUser
from tests.support.fake_slack import FakeSlack

FIELDS = ["Database ID", "Username", "Password", "API key", "App ID"]


async def connect(user: SlackUser, slack: FakeSlack, answers: dict[str, str]) -> dict:
    before = len(slack.views)
    await user.command("connect pcrecruiter")
    view = await opened_view(slack, before + 1)
    assert [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"] == FIELDS
    return await user.submit(view, answers)


async def settings_view(user: SlackUser, slack: FakeSlack) -> dict:
    before = len(slack.views)
    await user.command("settings")
    return await opened_view(slack, before + 1)


async def test_connect_asks_for_every_field_refuses_a_bad_login_and_stores_it_encrypted(
    user: SlackUser, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    missing = await connect(user, fake_slack, {**PCR_LOGIN, "App ID": ""})
    assert missing["response_action"] == "errors" and "cred_app_id" in missing["errors"]

    bad = await connect(user, fake_slack, {**PCR_LOGIN, "Password": "wrong-password"})
    assert bad["response_action"] == "errors"
    assert "PCRecruiter" in next(iter(bad["errors"].values()))
    for secret in ("wrong-password", PCR_LOGIN["API key"], PCR_LOGIN["App ID"]):
        assert secret not in str(bad)

    good = await connect(user, fake_slack, PCR_LOGIN)
    assert good["response_action"] == "update"
    assert "Connected to *PCRecruiter*" in str(good["view"])
    async with runtime.db.session() as session:
        conn = await session.scalar(select(m.Connection))
    assert (conn.kind, conn.status) == ("pcrecruiter", "active")
    for secret in PCR_LOGIN.values():
        assert secret not in conn.credentials
    before = len(fake_slack.views)
    await user.command("connect pcrecruiter")
    again = await opened_view(fake_slack, before + 1)
    assert "credentials are •••• saved" in str(again)
    for secret in ("Password", "API key", "App ID"):
        assert PCR_LOGIN[secret] not in str(again)
    assert runtime.box.decrypt_json(conn.credentials) == {
        "database_id": PCR_LOGIN["Database ID"],
        "username": PCR_LOGIN["Username"],
        "password": PCR_LOGIN["Password"],
        "api_key": PCR_LOGIN["API key"],
        "app_id": PCR_LOGIN["App ID"],
    }


async def test_settings_offer_candidate_and_open_positions(
    user: SlackUser, fake_slack: FakeSlack, pcrecruiter: PCRecruiterState
) -> None:
    pcrecruiter.add_position("Quality Control Specialist")
    pcrecruiter.add_position("Filled role", status="Filled")
    await connect(user, fake_slack, PCR_LOGIN)
    view = await settings_view(user, fake_slack)
    sync_as = next(b for b in view["blocks"] if b.get("block_id") == "sync_as")
    assert [o["value"] for o in sync_as["element"]["options"]] == ["Candidate"]
    options = (await user.suggest(view, "job_select", "default_job", ""))["options"]
    assert [o["text"]["text"] for o in options] == ["Quality Control Specialist"]


async def test_contacts_and_email_activity_sync_once_across_an_expired_session(
    user: SlackUser,
    fake_slack: FakeSlack,
    runtime: Runtime,
    pcrecruiter: PCRecruiterState,
    http: httpx.AsyncClient,
) -> None:
    existing = pcrecruiter.add_candidate("Bob", "O'Brien", "bob.o'brien@acme.com")
    position = pcrecruiter.add_position("Quality Control Specialist")
    await connect(user, fake_slack, PCR_LOGIN)
    job = {
        "text": {"type": "plain_text", "text": position["JobTitle"]},
        "value": str(position["JobId"]),
    }
    await user.submit(
        await settings_view(user, fake_slack), {"Options": ["activity"], "Default job": job}
    )
    pcrecruiter.expire_sessions()  # the login made while connecting has timed out
    runtime.clock.start()

    events = [
        added("jane@acme.com", "Jane"),
        added("Bob.O'Brien@acme.com", "Bob"),
        make_event(type="email.sent", contact={"email": "jane@acme.com"}),
        make_event(type="email.replied", contact={"email": "bob.o'brien@acme.com"}),
    ]
    await send_events(http, events)
    await eventually(lambda: synced(runtime, "jane@acme.com"))
    await eventually(lambda: synced(runtime, "bob.o'brien@acme.com"))

    [jane] = pcrecruiter.candidates_with("jane@acme.com")
    assert (jane["FirstName"], jane["Status"]) == ("Jane", "candidate")
    assert pcrecruiter.candidates_with("bob.o'brien@acme.com") == [existing]
    assert pcrecruiter.jobs_of(jane["CandidateId"]) == [position["JobId"]]
    assert pcrecruiter.jobs_of(existing["CandidateId"]) == [position["JobId"]]
    await eventually(lambda: len(pcrecruiter.activities_of(jane["CandidateId"])) == 1)
    await eventually(lambda: len(pcrecruiter.activities_of(existing["CandidateId"])) == 1)
    [sent] = pcrecruiter.activities_of(jane["CandidateId"])
    assert sent["ActivityType"] == "EMAIL" and "[crm-sync:" in sent["Notes"]

    calls = sum(pcrecruiter.calls.values())
    assert (await send_events(http, events))["duplicates"] == 4
    await runtime.clock.tick()
    await runtime.runner.drain()
    assert len(pcrecruiter.candidates) == 2
    assert len(pcrecruiter.activities_of(jane["CandidateId"])) == 1
    assert sum(pcrecruiter.calls.values()) == calls
