"""/crm through signed Slack requests: help, connect, settings, add."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from bot.app import Runtime
from bot.storage import models as m
from sandbox.ashby import AshbyState
from tests.conftest import SIGNING_SECRET, eventually
from tests.scenarios.conftest import connect_ashby, opened_view
from tests.support.blockkit import assert_valid_message
from tests.support.driver import SlackUser
from tests.support.emulators import ASHBY_KEY
from tests.support.fake_slack import FakeSlack
from tests.support.slack_requests import slash_command
from tests.support.tasks import run_passes


async def test_help_and_unknown_input_get_the_help_text(user: SlackUser) -> None:
    for text in ("help", "", "frobnicate now"):
        body = (await user.command(text)).json()
        assert body["response_type"] == "ephemeral"
        assert "/crm connect" in body["text"]
        assert_valid_message(body["blocks"], body["text"])
    assert "frobnicate" in str((await user.command("frobnicate")).json()["blocks"])


async def test_unsigned_or_stale_slack_requests_are_refused(http: httpx.AsyncClient) -> None:
    for options in ({"bad_signature": True}, {"stale": True}):
        body, headers = slash_command(SIGNING_SECRET, "help", **options)
        response = await http.post("/slack/events", content=body, headers=headers)
        assert response.status_code == 401


async def test_connect_verifies_the_key_and_stores_it_encrypted(
    user: SlackUser, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    await user.command("connect ashby")
    view = await opened_view(fake_slack, 1)
    assert [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"] == ["API key"]

    empty = await user.submit(view, {"API key": ""})
    assert empty["response_action"] == "errors"
    bad = await user.submit(view, {"API key": "wrong-key"})
    assert bad["response_action"] == "errors"
    assert "wrong-key" not in str(bad)
    assert "Ashby" in next(iter(bad["errors"].values()))

    good = await user.submit(view, {"API key": ASHBY_KEY})
    assert good["response_action"] == "update"
    assert "Connected to *Ashby*" in str(good["view"])
    async with runtime.db.session() as session:
        conn = await session.scalar(select(m.Connection))
    assert (conn.workspace_id, conn.user_id, conn.kind, conn.status) == (
        "T0001",
        "U0001",
        "ashby",
        "active",
    )
    assert ASHBY_KEY not in conn.credentials
    assert runtime.box.decrypt_json(conn.credentials) == {"api_key": ASHBY_KEY}

    await user.command("connect ashby")
    again = await opened_view(fake_slack, 2)
    assert "•••• saved" in str(again) and ASHBY_KEY not in str(again)


async def test_connect_without_a_crm_shows_a_picker_then_the_form(
    user: SlackUser, fake_slack: FakeSlack
) -> None:
    await user.command("connect")
    picker = await opened_view(fake_slack, 1)
    await user.pick(picker, "CRM", "ashby")
    await eventually(lambda: fake_slack.calls_to("views.update"))
    updated = fake_slack.views[picker["id"]]
    assert updated["title"]["text"] == "Connect Ashby"
    body = (await user.command("connect hubspot")).json()
    assert "I don't know the CRM" in body["text"] and "Ashby" in body["text"]


async def test_settings_modal_searches_jobs_and_saves(
    user: SlackUser, fake_slack: FakeSlack, runtime: Runtime, ashby: AshbyState
) -> None:
    assert "connect" in (await user.command("settings")).json()["text"]
    job = ashby.add_job("Senior Backend Engineer")
    ashby.add_job("Designer")
    ashby.add_job("Old role", status="Closed")
    await connect_ashby(user, fake_slack)

    await user.command("settings")
    view = await opened_view(fake_slack, 2)
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert labels == ["Sync contacts", "Sync as", "Options", "Default job", "Alert channel"]

    options = (await user.suggest(view, "job_select", "default_job", "backend"))["options"]
    assert [o["text"]["text"] for o in options] == ["Senior Backend Engineer"]
    everything = (await user.suggest(view, "job_select", "default_job", ""))["options"]
    assert {o["text"]["text"] for o in everything} == {"Senior Backend Engineer", "Designer"}

    await user.submit(
        view,
        {
            "Sync contacts": "on_reply",
            "Options": ["activity"],
            "Default job": {
                "text": {"type": "plain_text", "text": "Senior Backend Engineer"},
                "value": job.id,
            },
            "Alert channel": "C0ALERTS",
        },
    )
    async with runtime.db.session() as session:
        conn = await session.scalar(select(m.Connection))
    assert (conn.sync_mode, conn.dedup_enabled, conn.activity_enabled) == ("on_reply", False, True)
    assert (conn.default_job_id, conn.default_job_name) == (job.id, "Senior Backend Engineer")
    assert conn.alert_channel_id == "C0ALERTS"
    confirmation = await eventually(lambda: fake_slack.calls_to("chat.postEphemeral"))
    assert "Saved your Ashby settings" in confirmation[-1].args["text"]


async def test_add_by_hand_goes_through_the_event_path(
    user: SlackUser, fake_slack: FakeSlack, runtime: Runtime, ashby: AshbyState
) -> None:
    await user.command("add Senior Backend Q4 jane@acme.com Jane Doe")
    reply = await eventually(lambda: fake_slack.calls_to("response_url"))
    assert "no CRM connected" in reply[-1].args["text"]

    await connect_ashby(user, fake_slack)
    await user.command("add Senior Backend Q4 bob@acme.com Bob Stone")
    replies = await eventually(
        lambda: (
            len(fake_slack.calls_to("response_url")) >= 2 and fake_slack.calls_to("response_url")
        )
    )
    assert "Added bob@acme.com" in replies[-1].args["text"]
    await run_passes(runtime, "T0001", 1)
    [bob] = [c for c in ashby.candidates.values() if c.name == "Bob Stone"]
    assert bob.email_values() == ["bob@acme.com"]

    await user.command("add Senior Backend Q4 not-an-email")
    replies = await eventually(
        lambda: (
            len(fake_slack.calls_to("response_url")) >= 3 and fake_slack.calls_to("response_url")
        )
    )
    assert "email address" in replies[-1].args["text"]
