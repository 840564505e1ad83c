"""Connecting Salesforce by logging in, through the app's ASGI app and the Salesforce emulator
(its login page, token endpoint and data API), the way a browser would, without a browser.

The browser is an httpx client on the app (it keeps the app's cookies) plus one on the
emulator; the app reaches the emulator through the Runtime's CRM transport.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select, update

from bot.app import Runtime
from bot.settings import Settings
from bot.storage import models as m
from bot.storage.models import ConnectionStatus, utcnow
from bot.storage.repos import Repo
from bot.sync import reasons
from sandbox.salesforce import SalesforceState
from sandbox.salesforce import create_app as salesforce_app
from tests.conftest import SIGNING_SECRET, TEAM, USER
from tests.support.blockkit import assert_valid_message, assert_valid_view
from tests.support.driver import SlackUser
from tests.support.fake_slack import FakeSlack
from tests.support.salesforce_login import (
    CLIENT_ID,
    CLIENT_SECRET,
    PASSWORD,
    USERNAME,
    LoginForm,
    button_url,
    login_button_url,
    newest_view,
)

PUBLIC_URL = "http://bot.test"
LOGIN_URL = "https://login.salesforce.test"
INSTANCE_URL = "https://acme.my.salesforce.test"
CALLBACK_URL = f"{PUBLIC_URL}/oauth/salesforce/callback"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "public_url": PUBLIC_URL,
            "salesforce_client_id": CLIENT_ID,
            "salesforce_client_secret": SecretStr(CLIENT_SECRET),
            "salesforce_login_url": LOGIN_URL,
        }
    )


@pytest.fixture
def salesforce() -> SalesforceState:
    state = SalesforceState(login_url=LOGIN_URL)
    state.oauth.add_client(CLIENT_ID, CLIENT_SECRET, [CALLBACK_URL])
    state.oauth.add_user(USERNAME, PASSWORD, INSTANCE_URL)
    return state


@pytest.fixture
def crm_apps(crm_apps: dict[str, Any], salesforce: SalesforceState) -> dict[str, Any]:
    app = salesforce_app(salesforce)
    return {**crm_apps, urlsplit(LOGIN_URL).hostname: app, urlsplit(INSTANCE_URL).hostname: app}


@pytest.fixture
def user(http: httpx.AsyncClient, fake_slack: FakeSlack) -> SlackUser:
    return SlackUser(http, fake_slack, SIGNING_SECRET)


@pytest.fixture
async def emulator(salesforce: SalesforceState, crm_apps: dict[str, Any]):
    """The browser's view of Salesforce's login host."""
    transport = httpx.ASGITransport(app=crm_apps[urlsplit(LOGIN_URL).hostname])
    async with httpx.AsyncClient(transport=transport, base_url=LOGIN_URL) as client:
        yield client


# --- the browser's steps --------------------------------------------------------------------


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


async def open_start(http: httpx.AsyncClient, start_url: str) -> str:
    """Open the link from Slack in the app; returns the Salesforce authorize URL."""
    assert start_url.startswith(f"{PUBLIC_URL}/oauth/salesforce/start?state=")
    response = await http.get(_path(start_url))
    assert response.status_code == 302, response.text
    return response.headers["location"]


async def log_in(emulator: httpx.AsyncClient, authorize_url: str, button: str = "Allow") -> str:
    """Fill in Salesforce's login page and press ``button``; returns the callback URL."""
    assert authorize_url.startswith(f"{LOGIN_URL}/services/oauth2/authorize?")
    page = await emulator.get(authorize_url)
    assert page.status_code == 200, page.text
    form = LoginForm.parse(page.text)
    target = urljoin(authorize_url, form.action or authorize_url)
    answer = await emulator.post(target, data=form.fill(USERNAME, PASSWORD, button))
    assert answer.status_code in (302, 303), answer.text
    callback = answer.headers["location"]
    assert callback.startswith(CALLBACK_URL + "?"), callback
    return callback


async def sign_in(
    http: httpx.AsyncClient, emulator: httpx.AsyncClient, start_url: str, button: str = "Allow"
) -> str:
    return await log_in(emulator, await open_start(http, start_url), button)


def with_param(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    return parts._replace(query=urlencode({**query, **changes})).geturl()


async def connections(runtime: Runtime) -> list[m.Connection]:
    async with runtime.db.session() as session:
        return list(await session.scalars(select(m.Connection)))


def assert_refused(response: httpx.Response, *words: str) -> None:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    for word in words:
        assert word in page, f"{word!r} not on the page:\n{page}"
    assert "Traceback" not in page


async def dm_text(slack: FakeSlack, count: int = 1) -> str:
    call = await slack.wait_for("chat.postMessage", count)
    assert_valid_message(call.args["blocks"], call.args["text"])
    return call.args["text"]


# --- Slack side ----------------------------------------------------------------------------


async def test_connect_salesforce_shows_a_login_button_to_the_apps_own_start_url(
    user: SlackUser, fake_slack: FakeSlack, runtime: Runtime
):
    url = await login_button_url(user, fake_slack)

    assert url.startswith(f"{PUBLIC_URL}/oauth/salesforce/start?state=")
    async with runtime.db.session() as session:
        flow = await session.scalar(select(m.OAuthState))
    assert (flow.workspace_id, flow.user_id, flow.kind) == (TEAM, USER, "salesforce")
    assert flow.expires_at - flow.created_at == timedelta(minutes=10)
    state = parse_qs(urlsplit(url).query)["state"][0]
    assert state not in flow.state_hash and state not in flow.code_verifier  # hash; encrypted
    assert flow.code_verifier.startswith("v1:")


async def test_each_opening_of_the_modal_mints_a_different_state(
    user: SlackUser, fake_slack: FakeSlack
):
    first = await login_button_url(user, fake_slack)
    second = await login_button_url(user, fake_slack)
    assert first != second


async def test_picking_salesforce_in_the_picker_shows_the_login_button(
    user: SlackUser, fake_slack: FakeSlack
):
    await user.command("connect")
    picker = await newest_view(fake_slack, 1)
    await user.pick(picker, "CRM", "salesforce")
    assert_valid_view((await fake_slack.wait_for("views.update")).args["view"])
    updated = fake_slack.views[picker["id"]]

    assert updated["title"]["text"] == "Connect Salesforce"
    assert button_url(updated).startswith(f"{PUBLIC_URL}/oauth/salesforce/start?state=")


async def test_without_client_credentials_the_modal_names_the_missing_variables(
    runtime: Runtime, user: SlackUser, fake_slack: FakeSlack
):
    runtime.settings.salesforce_client_id = None
    runtime.settings.salesforce_client_secret = None

    await user.command("connect salesforce")
    view = await newest_view(fake_slack, 1)

    shown = str(view["blocks"])
    assert "SALESFORCE_CLIENT_ID" in shown and "SALESFORCE_CLIENT_SECRET" in shown
    assert f"{PUBLIC_URL}/oauth/salesforce/callback" in shown
    assert "Log in to Salesforce" not in shown


# --- the flow ---------------------------------------------------------------------------------


async def test_start_binds_the_browser_with_a_cookie_and_redirects_with_pkce(
    http: httpx.AsyncClient, user: SlackUser, fake_slack: FakeSlack
):
    start_url = await login_button_url(user, fake_slack)
    response = await http.get(_path(start_url))

    assert response.status_code == 302
    location = urlsplit(response.headers["location"])
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert f"{location.scheme}://{location.netloc}{location.path}" == (
        f"{LOGIN_URL}/services/oauth2/authorize"
    )
    assert query["response_type"] == "code" and query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == CALLBACK_URL
    assert query["state"] == parse_qs(urlsplit(start_url).query)["state"][0]
    assert query["code_challenge"] and query.get("code_challenge_method", "S256") == "S256"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/oauth/salesforce" in cookie


async def test_login_stores_the_refresh_token_encrypted_and_tells_the_teammate(
    http: httpx.AsyncClient,
    emulator: httpx.AsyncClient,
    user: SlackUser,
    fake_slack: FakeSlack,
    runtime: Runtime,
):
    callback = await sign_in(http, emulator, await login_button_url(user, fake_slack))
    response = await http.get(_path(callback))

    assert response.status_code == 200, response.text
    assert "Connected to Salesforce" in response.text and "close this tab" in response.text
    assert response.headers["cache-control"] == "no-store"
    [conn] = await connections(runtime)
    assert (conn.workspace_id, conn.user_id, conn.kind) == (TEAM, USER, "salesforce")
    assert conn.status == ConnectionStatus.ACTIVE
    credentials = runtime.box.decrypt_json(conn.credentials)
    assert credentials["instance_url"] == INSTANCE_URL
    assert credentials["refresh_token"]
    assert credentials["refresh_token"] not in conn.credentials  # stored encrypted
    assert "is connected" in await dm_text(fake_slack)
    assert fake_slack.last_call("conversations.open").args["users"] == USER


async def test_a_replayed_callback_is_refused_and_changes_nothing(
    http: httpx.AsyncClient,
    emulator: httpx.AsyncClient,
    user: SlackUser,
    fake_slack: FakeSlack,
    runtime: Runtime,
):
    callback = await sign_in(http, emulator, await login_button_url(user, fake_slack))
    assert (await http.get(_path(callback))).status_code == 200
    [before] = await connections(runtime)

    replay = await http.get(_path(callback))

    assert_refused(replay, "already used", "/crm connect salesforce")
    [after] = await connections(runtime)
    assert after.credentials == before.credentials
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


async def test_a_tampered_state_is_refused_and_nothing_is_stored(
    http: httpx.AsyncClient,
    emulator: httpx.AsyncClient,
    user: SlackUser,
    fake_slack: FakeSlack,
    runtime: Runtime,
):
    callback = await sign_in(http, emulator, await login_button_url(user, fake_slack))
    state = parse_qs(urlsplit(callback).query)["state"][0]

    response = await http.get(_path(with_param(callback, state=state[:-2] + "xy")))

    assert_refused(response, "not valid")
    missing = await http.get(_path(with_param(callback, state="")))
    assert_refused(missing, "incomplete")
    assert await connections(runtime) == []
    assert fake_slack.calls_to("chat.postMessage") == []


async def test_an_expired_state_is_refused_and_nothing_is_stored(
    http: httpx.AsyncClient,
    emulator: httpx.AsyncClient,
    user: SlackUser,
    fake_slack: FakeSlack,
    runtime: Runtime,
):
    callback = await sign_in(http, emulator, await login_button_url(user, fake_slack))
    async with runtime.db.session() as session:
        await session.execute(
            update(m.OAuthState).values(expires_at=utcnow() - timedelta(seconds=1))
        )

    response = await http.get(_path(callback))

    assert_refused(response, "expired", "10 minutes")
    assert await connections(runtime) == []


async def test_the_runtime_clock_past_ten_minutes_expires_an_unopened_link(
    http: httpx.AsyncClient, user: SlackUser, fake_slack: FakeSlack, runtime: Runtime
):
    start_url = await login_button_url(user, fake_slack)
    runtime.oauth.now = lambda: utcnow() + timedelta(minutes=10, seconds=1)

    assert_refused(await http.get(_path(start_url)), "expired")


async def test_a_callback_in_another_browser_is_refused_and_the_real_one_still_works(
    http: httpx.AsyncClient,
    emulator: httpx.AsyncClient,
    user: SlackUser,
    fake_slack: FakeSlack,
    runtime: Runtime,
):
    callback = await sign_in(http, emulator, await login_button_url(user, fake_slack))
    cookies = httpx.Cookies(http.cookies)
    http.cookies.clear()

    assert_refused(await http.get(_path(callback)), "another browser")
    for name in cookies:  # a cookie of the right name with another browser's value
        http.cookies.set(name, "forged-nonce", domain=urlsplit(PUBLIC_URL).hostname)
    assert_refused(await http.get(_path(callback)), "another browser")
    assert await connections(runtime) == []
    assert fake_slack.calls_to("chat.postMessage") == []

    http.cookies.clear()
    http.cookies.update(cookies)
    assert (await http.get(_path(callback))).status_code == 200
    assert len(await connections(runtime)) == 1


async def test_a_start_link_opened_in_a_second_browser_is_refused(
    http: httpx.AsyncClient, user: SlackUser, fake_slack: FakeSlack
):
    start_url = await login_button_url(user, fake_slack)
    await open_start(http, start_url)
    assert (await http.get(_path(start_url))).status_code == 302  # same browser: fine again

    http.cookies.clear()
    assert_refused(await http.get(_path(start_url)), "another browser")


async def test_denying_access_is_refused_readably_and_the_teammate_is_told(
    http: httpx.AsyncClient,
    emulator: httpx.AsyncClient,
    user: SlackUser,
    fake_slack: FakeSlack,
    runtime: Runtime,
):
    callback = await sign_in(http, emulator, await login_button_url(user, fake_slack), "Deny")
    assert parse_qs(urlsplit(callback).query)["error"] == ["access_denied"]

    response = await http.get(_path(callback))

    assert_refused(response, "not granted", "Deny")
    assert await connections(runtime) == []
    assert "was not connected" in await dm_text(fake_slack)
    assert_refused(await http.get(_path(callback)), "already used")


async def test_a_code_salesforce_rejects_is_refused_and_explained_in_slack(
    http: httpx.AsyncClient,
    emulator: httpx.AsyncClient,
    user: SlackUser,
    fake_slack: FakeSlack,
    runtime: Runtime,
):
    callback = await sign_in(http, emulator, await login_button_url(user, fake_slack))

    response = await http.get(_path(with_param(callback, code="not-a-code-salesforce-issued")))

    assert_refused(response, "invalid_grant")
    assert await connections(runtime) == []
    text = await dm_text(fake_slack)
    assert "was not connected" in text and "not-a-code" not in text


# --- reconnecting ---------------------------------------------------------------------------


async def _needs_reauth(runtime: Runtime) -> m.Connection:
    async with runtime.db.session() as session:
        conn = await session.scalar(select(m.Connection))
        conn.status = ConnectionStatus.NEEDS_REAUTH
        conn.status_reason = reasons.crm_answer(
            "Salesforce no longer accepts this connection (invalid_grant)."
        )
        conn.paused_until = utcnow() + timedelta(days=365)
        conn.sync_mode = "on_reply"
        await session.flush()
        return conn


async def test_reconnect_from_the_reauth_dm_logs_in_again_and_resumes_syncing(
    http: httpx.AsyncClient,
    emulator: httpx.AsyncClient,
    user: SlackUser,
    fake_slack: FakeSlack,
    runtime: Runtime,
):
    first = await sign_in(http, emulator, await login_button_url(user, fake_slack))
    assert (await http.get(_path(first))).status_code == 200
    old = await _needs_reauth(runtime)
    async with runtime.db.session() as session:
        await Repo(session, TEAM).add_reauth_alert(USER)
    await runtime.notifier.post_pending(TEAM)
    dm = fake_slack.last_call("chat.postMessage")
    assert_valid_message(dm.args["blocks"], dm.args["text"])

    views = len(fake_slack.views)
    await user.click(dm.args["blocks"], "Reconnect Salesforce", channel_id="D0001")
    modal = await newest_view(fake_slack, views + 1)
    assert "needs a new sign-in" in str(modal["blocks"])
    again = await sign_in(http, emulator, button_url(modal))
    response = await http.get(_path(again))

    assert response.status_code == 200, response.text
    [conn] = await connections(runtime)
    assert conn.id == old.id and conn.sync_mode == "on_reply"  # same connection, settings kept
    assert conn.status == ConnectionStatus.ACTIVE and conn.status_reason is None
    assert conn.paused_until is None
    assert conn.credentials != old.credentials
    assert "is connected" in await dm_text(fake_slack, 3)
