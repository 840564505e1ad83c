"""Multi-workspace install end to end: /slack/install → Slack's consent page → the OAuth
callback stores the installation (token encrypted) → that team's requests work → uninstall
and token revocation delete the token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import select

from bot.app import Runtime, create_app
from bot.settings import Settings
from bot.storage import models as m
from sandbox.ashby import AshbyState
from tests.conftest import OUTREACH_SECRET, SIGNING_SECRET, TEST_KEY, eventually
from tests.scenarios.conftest import connect_ashby, send_events
from tests.support import slack_requests as sr
from tests.support.driver import SlackUser
from tests.support.emulators import HostRouter
from tests.support.fake_slack import FakeSlack

INSTALLED_TOKEN = "xoxb-fake-installed-token"


@pytest.fixture
def oauth_settings(database_url: str, fake_slack: FakeSlack) -> Settings:
    return Settings(
        _env_file=None,
        database_url=database_url,
        slack_signing_secret=SIGNING_SECRET,
        slack_client_id="1111.2222",
        slack_client_secret="client-secret",
        slack_api_url=fake_slack.base_url,
        public_url="https://bot.example.com",
        outreach_webhook_secret=OUTREACH_SECRET,
        sync_interval_seconds=0.05,
        encryption_keys=TEST_KEY,
        ashby_api_url="https://api.ashbyhq.test",
        crm_retry_wait_seconds=0,
        task_runner="inprocess",
    )


@pytest.fixture
async def multi(
    oauth_settings: Settings, crm_apps: dict[str, Any]
) -> AsyncIterator[tuple[Runtime, httpx.AsyncClient]]:
    runtime = Runtime(oauth_settings, crm_transport=HostRouter(crm_apps))
    await runtime.start(clock=False)
    transport = httpx.ASGITransport(app=create_app(runtime, clock=False))
    async with httpx.AsyncClient(transport=transport, base_url="https://bot.example.com") as http:
        yield runtime, http
    await runtime.stop()


async def install(http: httpx.AsyncClient) -> httpx.Response:
    start = await http.get("/slack/install")
    assert start.status_code == 302
    consent = urlsplit(start.headers["location"])
    assert (consent.scheme, consent.netloc, consent.path) == (
        "https",
        "slack.com",
        "/oauth/v2/authorize",
    )
    query = parse_qs(consent.query)
    assert query["client_id"] == ["1111.2222"]
    assert "commands" in query["scope"][0].split(",")
    assert query["redirect_uri"] == ["https://bot.example.com/slack/oauth_redirect"]
    state = query["state"][0]
    return await http.get("/slack/oauth_redirect", params={"code": "good-code", "state": state})


async def installations(runtime: Runtime) -> list[m.SlackInstallation]:
    async with runtime.db.session() as session:
        return list(await session.scalars(select(m.SlackInstallation)))


async def gone(runtime: Runtime) -> bool:
    return await installations(runtime) == []


async def send_event(http: httpx.AsyncClient, event: dict[str, Any]) -> None:
    body, headers = sr.event_callback(SIGNING_SECRET, event)
    response = await http.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 200, response.text


async def test_install_stores_an_encrypted_token_that_serves_the_team(
    multi: tuple[Runtime, httpx.AsyncClient], fake_slack: FakeSlack
) -> None:
    runtime, http = multi
    assert await runtime.slack_clients.for_workspace("T0001") is None

    done = await install(http)
    assert done.status_code == 200, done.text
    [oauth_call] = fake_slack.calls_to("oauth.v2.access")
    assert oauth_call.args["code"] == "good-code"
    [row] = await installations(runtime)
    assert (row.team_id, row.bot_user_id, row.installer_user_id) == ("T0001", "UBOT", "U0001")
    assert INSTALLED_TOKEN not in row.bot_token
    assert runtime.box.decrypt(row.bot_token) == INSTALLED_TOKEN

    # A signed command from the installed team runs with the installed token.
    user = SlackUser(http, fake_slack, SIGNING_SECRET)
    assert "/crm connect" in (await user.command("help")).json()["text"]
    await user.command("connect ashby")
    call = await fake_slack.wait_for("views.open")
    assert call.token == INSTALLED_TOKEN
    client = await runtime.slack_clients.for_workspace("T0001")
    assert client is not None and client.token == INSTALLED_TOKEN

    await send_event(http, sr.app_uninstalled_event())
    await eventually(lambda: gone(runtime))
    assert await runtime.slack_clients.for_workspace("T0001") is None


async def test_revoked_tokens_are_deleted_and_states_work_once(
    multi: tuple[Runtime, httpx.AsyncClient], fake_slack: FakeSlack
) -> None:
    runtime, http = multi
    assert (await install(http)).status_code == 200
    await send_event(http, sr.tokens_revoked_event())
    await eventually(lambda: gone(runtime))

    start = await http.get("/slack/install")
    state = parse_qs(urlsplit(start.headers["location"]).query)["state"][0]
    params = {"code": "good-code", "state": state}
    assert (await http.get("/slack/oauth_redirect", params=params)).status_code == 200
    replay = await http.get("/slack/oauth_redirect", params=params)
    assert replay.status_code >= 400
    forged = await http.get("/slack/oauth_redirect", params={"code": "x", "state": "forged"})
    assert forged.status_code >= 400
    assert len(await installations(runtime)) == 1


async def test_background_alerts_post_with_the_installed_token(
    multi: tuple[Runtime, httpx.AsyncClient], fake_slack: FakeSlack, ashby: AshbyState
) -> None:
    runtime, http = multi
    assert (await install(http)).status_code == 200
    user = SlackUser(http, fake_slack, SIGNING_SECRET)
    await connect_ashby(user, fake_slack)
    ashby.add_candidate("Jane Doe", "jane@acme.com")
    runtime.clock.start()
    event = {
        "id": "evt-dup-1",
        "type": "contact.added",
        "occurred_at": "2026-11-23T09:00:00Z",
        "team_id": "T0001",
        "user_id": "U0001",
        "sequence": {"id": "seq-1", "name": "Backend"},
        "contact": {"email": "jane@acme.com", "first_name": "Jane"},
    }
    await send_events(http, [event])
    dm = await fake_slack.wait_for("chat.postMessage", within=10)
    assert dm.token == INSTALLED_TOKEN
    assert "Exists in Ashby" in dm.args["text"]
