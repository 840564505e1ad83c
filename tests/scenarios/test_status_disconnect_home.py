"""/crm status, /crm disconnect and the App Home, through signed Slack requests."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from bot.app import Runtime
from bot.storage import models as m
from bot.storage.models import SyncState, utcnow
from sandbox.ashby import AshbyState
from tests.conftest import eventually
from tests.scenarios.conftest import (
    candidates_with,
    connect_ashby,
    membership_of,
    send_events,
)
from tests.scenarios.surface import (
    added,
    reply_number,
    run_pass,
    send_slack_event,
    validated_slack,  # noqa: F401  (fixture)
)
from tests.support import slack_requests as sr
from tests.support.blockkit import assert_valid_home
from tests.support.driver import SlackUser
from tests.support.emulators import ASHBY_KEY
from tests.support.fake_slack import FakeSlack
from tests.support.outreach import make_event

pytestmark = pytest.mark.usefixtures("validated_slack")


async def fail_creates(ashby: AshbyState) -> None:
    ashby.inject_fault("candidate.create", status=200, code="invalid_input", times=None)


async def test_status_shows_health_failures_and_a_contact_timeline(
    user: SlackUser,
    fake_slack: FakeSlack,
    runtime: Runtime,
    ashby: AshbyState,
    http: httpx.AsyncClient,
) -> None:
    await user.command("status")
    assert "No CRM connected" in str((await reply_number(fake_slack, 1))["blocks"])

    await connect_ashby(user, fake_slack)
    await send_events(
        http,
        [
            added("amy@acme.com"),
            make_event(
                type="email.sent",
                contact={"email": "amy@acme.com", "first_name": "Amy"},
                occurred_at=utcnow().isoformat(),  # the default rounds to before connecting
            ),
        ],
    )
    await run_pass(runtime)
    await fail_creates(ashby)
    await send_events(http, [added("bad@acme.com")])
    await run_pass(runtime)

    await user.command("status")
    status = await reply_number(fake_slack, 2)
    blocks = str(status["blocks"])
    assert "*Ashby* connected" in blocks
    assert "1 failed" in blocks and "1 synced" in blocks
    assert "Last sync pass:* never" not in blocks
    assert "Recent failures" in blocks and "bad@acme.com" in blocks and "Ashby refused" in blocks

    await user.command("status BAD@acme.com")
    timeline = str((await reply_number(fake_slack, 3))["blocks"])
    assert "Added to *Sequence seq-42*" in timeline
    assert "Status: failed" in timeline and "Why: Ashby refused this contact" in timeline
    assert "Fix:" in timeline and "/crm resync Sequence seq-42 bad@acme.com" in timeline

    await user.command("status amy@acme.com")
    synced = str((await reply_number(fake_slack, 4))["blocks"])
    [amy] = candidates_with(ashby, "amy@acme.com")
    assert "Synced to Ashby" in synced and amy.id in synced
    assert "1 of 1 written to Ashby" in synced

    await user.command("status who@nowhere.com")
    assert "never seen" in (await reply_number(fake_slack, 5))["text"]


async def test_disconnect_confirms_removes_credentials_and_reconnect_resumes(
    user: SlackUser,
    fake_slack: FakeSlack,
    runtime: Runtime,
    ashby: AshbyState,
    http: httpx.AsyncClient,
) -> None:
    assert "no CRM connected" in (await user.command("disconnect")).json()["text"]
    await connect_ashby(user, fake_slack)
    prompt = (await user.command("disconnect")).json()
    assert prompt["response_type"] == "ephemeral"

    await user.click(prompt["blocks"], "Cancel", channel_id="C0001")
    assert "nothing changed" in (await reply_number(fake_slack, 1))["text"]
    async with runtime.db.session() as session:
        assert (await session.scalar(select(m.Connection))).status == "active"

    await user.click(prompt["blocks"], "Disconnect Ashby", channel_id="C0001")
    done = await reply_number(fake_slack, 2)
    assert done["replace_original"] is True and "Credentials deleted" in done["text"]
    async with runtime.db.session() as session:
        conn = await session.scalar(select(m.Connection))
    assert (conn.status, conn.credentials) == ("disconnected", "")
    home = await fake_slack.wait_for("views.publish")
    assert "Connect a CRM" in str(home.args["view"])

    # Nothing syncs while disconnected; the contact keeps its place and syncs after reconnecting.
    await send_events(http, [added("amy@acme.com")])
    await run_pass(runtime)
    assert ashby.calls["candidate.create"] == 0
    assert (await membership_of(runtime, "amy@acme.com")).sync_state == SyncState.NO_CONNECTION
    assert "connect" in (await user.command("settings")).json()["text"]

    await connect_ashby(user, fake_slack)
    await user.command("resync seq-42 amy@acme.com")
    assert "is synced" in (await reply_number(fake_slack, 3))["text"]
    assert len(candidates_with(ashby, "amy@acme.com")) == 1


async def test_app_home_shows_health_settings_sequences_and_fixes_problems(
    user: SlackUser,
    fake_slack: FakeSlack,
    runtime: Runtime,
    ashby: AshbyState,
    http: httpx.AsyncClient,
) -> None:
    await send_slack_event(http, sr.app_home_opened_event())
    first = (await fake_slack.wait_for("views.publish")).args
    assert first["user_id"] == "U0001"
    assert_valid_home(first["view"])
    assert "Connect a CRM" in str(first["view"])

    await connect_ashby(user, fake_slack)
    await fail_creates(ashby)
    await send_events(http, [added("bad@acme.com")])
    await run_pass(runtime)
    await send_slack_event(http, sr.app_home_opened_event())
    home = (await fake_slack.wait_for("views.publish", 2)).args["view"]
    assert_valid_home(home)
    text = str(home)
    assert "*Ashby* connected" in text and "*Sync:* When a contact is added" in text
    assert "1 contact · 0 synced · 0 pending · 1 failed" in text
    assert "1 contact failed to sync" in text

    # Edit opens the settings modal; Retry syncs the failed contact once the CRM accepts it.
    await user.click(home["blocks"], "Edit", channel_id="DU0001")
    settings = (await fake_slack.wait_for("views.open", 2)).args["view"]
    assert settings["callback_id"] == "settings_submit"
    ashby.clear_faults()
    await user.click(home["blocks"], "Retry", channel_id="DU0001")
    await eventually(lambda: candidates_with(ashby, "bad@acme.com"))
    await runtime.runner.drain()
    assert (await membership_of(runtime, "bad@acme.com")).sync_state == SyncState.SYNCED
    refreshed = (await fake_slack.wait_for("views.publish", 3)).args["view"]
    assert_valid_home(refreshed)

    # A revoked key shows up as a problem with a Reconnect button that opens the connect form.
    ashby.disable_api_key(ASHBY_KEY)
    await send_events(http, [added("new@acme.com")])
    await run_pass(runtime)
    await send_slack_event(http, sr.app_home_opened_event())
    reauth = (await fake_slack.wait_for("views.publish", 4)).args["view"]
    assert_valid_home(reauth)
    assert "needs to be reconnected" in str(reauth)
    await user.click(reauth["blocks"], "Reconnect", channel_id="DU0001")
    form = (await fake_slack.wait_for("views.open", 3)).args["view"]
    assert form["title"]["text"] == "Connect Ashby"
