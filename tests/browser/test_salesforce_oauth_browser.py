"""Connecting Salesforce clicked through in a real browser: Debian's Chromium at
/usr/bin/chromium driven by Playwright (never a downloaded browser), against the app and the
Salesforce emulator, each served by uvicorn on 127.0.0.1. The app reaches the emulator over
real HTTP here (no in-process transport), and Slack is the FakeSlack server.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from playwright.async_api import Browser, Page, Route
from pydantic import SecretStr
from sqlalchemy import select

from bot.app import Runtime, create_app
from bot.settings import Settings
from bot.storage import models as m
from bot.storage.crypto import SecretBox
from bot.storage.db import Database
from sandbox.kernel import Server
from sandbox.kernel.server import bind, socket_url
from sandbox.salesforce import SalesforceState
from sandbox.salesforce import create_app as salesforce_app
from tests.conftest import SIGNING_SECRET, TEAM, USER
from tests.support.browser import launch, needs_chromium, new_page
from tests.support.driver import SlackUser
from tests.support.fake_slack import FakeSlack
from tests.support.salesforce_login import (
    CLIENT_ID,
    CLIENT_SECRET,
    PASSWORD,
    USERNAME,
    login_button_url,
)

pytestmark = needs_chromium


@pytest.fixture
def app_socket():
    sock = bind()
    yield sock
    sock.close()


@pytest.fixture
def salesforce_socket():
    sock = bind()
    yield sock
    sock.close()


@pytest.fixture
def settings(settings: Settings, app_socket, salesforce_socket) -> Settings:
    return settings.model_copy(
        update={
            "public_url": socket_url(app_socket),
            "salesforce_client_id": CLIENT_ID,
            "salesforce_client_secret": SecretStr(CLIENT_SECRET),
            "salesforce_login_url": socket_url(salesforce_socket),
        }
    )


@pytest.fixture
def salesforce(settings: Settings) -> SalesforceState:
    state = SalesforceState(login_url=settings.salesforce_login_url)
    callback = f"{settings.public_url}/oauth/salesforce/callback"
    state.oauth.add_client(CLIENT_ID, CLIENT_SECRET, [callback])
    # One emulator serves both the login host and the org's data API.
    state.oauth.add_user(USERNAME, PASSWORD, settings.salesforce_login_url)
    return state


@pytest.fixture
async def servers(
    settings: Settings, salesforce: SalesforceState, app_socket, salesforce_socket
) -> AsyncIterator[str]:
    """The app (with a Runtime of its own, no CRM transport) and the emulator, both live."""
    runtime = Runtime(settings)
    async with (
        Server(salesforce_app(salesforce), salesforce_socket),
        Server(create_app(runtime, clock=False), app_socket) as app,
    ):
        yield app.url


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings.database_url)
    yield database
    await database.dispose()


@pytest.fixture
async def user(servers: str, fake_slack: FakeSlack) -> AsyncIterator[SlackUser]:
    async with httpx.AsyncClient(base_url=servers) as client:
        yield SlackUser(client, fake_slack, SIGNING_SECRET)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async for chromium in launch():
        yield chromium


async def log_in_and_press(page: Page, start_url: str, button: str) -> None:
    await page.goto(start_url)
    await page.locator("input[name=username]").fill(USERNAME)
    await page.locator("input[name=password]").fill(PASSWORD)
    await page.get_by_role("button", name=button).click()


async def stored_connection(db: Database) -> m.Connection | None:
    async with db.session() as session:
        return await session.scalar(select(m.Connection))


async def held_back_callback(page: Page, start_url: str) -> str:
    """Log in and allow, but keep the browser from following Salesforce's redirect to the
    app's callback; returns the callback URL it would have opened. (Playwright routes see
    only the first request of a redirect chain, so the login form's POST is the one held.)"""
    seen: list[str] = []

    async def hold(route: Route) -> None:
        if route.request.method != "POST":
            await route.continue_()
            return
        answer = await route.fetch(max_redirects=0)
        seen.append(answer.headers["location"])
        await route.fulfill(status=200, content_type="text/html", body="<p>held back</p>")

    pattern = re.compile(r".*/services/oauth2/authorize.*")
    await page.route(pattern, hold)
    await log_in_and_press(page, start_url, "Allow")
    await page.get_by_text("held back").wait_for()
    await page.unroute(pattern)
    assert seen and "/oauth/salesforce/callback?" in seen[0], seen
    return seen[0]


async def test_logging_in_through_the_browser_connects_and_refuses_replays(
    servers: str,
    user: SlackUser,
    fake_slack: FakeSlack,
    browser: Browser,
    db: Database,
    settings: Settings,
):
    start_url = await login_button_url(user, fake_slack)
    assert start_url.startswith(f"{servers}/oauth/salesforce/start?state=")

    page = await new_page(browser)
    await log_in_and_press(page, start_url, "Allow")
    await page.wait_for_url(f"{servers}/oauth/salesforce/callback?*")
    await page.get_by_text("you can close this tab").wait_for()
    assert "Connected to Salesforce" in await page.content()

    conn = await stored_connection(db)
    assert conn is not None and (conn.workspace_id, conn.user_id) == (TEAM, USER)
    assert conn.kind == "salesforce" and conn.status == m.ConnectionStatus.ACTIVE
    credentials = SecretBox(settings.fernet_keys).decrypt_json(conn.credentials)
    assert credentials["instance_url"] == settings.salesforce_login_url
    assert credentials["refresh_token"] not in conn.credentials
    await fake_slack.wait_for("chat.postMessage")
    assert "is connected" in fake_slack.last_call("chat.postMessage").args["text"]

    # Reloading the callback replays its state: refused with a readable page.
    replay = await page.reload()
    assert replay is not None and replay.status == 400
    assert "already used" in await page.inner_text("body")


async def test_the_browser_refuses_a_callback_opened_in_another_browser(
    servers: str, user: SlackUser, fake_slack: FakeSlack, browser: Browser, db: Database
):
    start_url = await login_button_url(user, fake_slack)
    mine = await new_page(browser)
    callback = await held_back_callback(mine, start_url)

    stranger = await new_page(browser)  # no cookie binding it to this flow
    refused = await stranger.goto(callback)
    assert refused is not None and refused.status == 400
    assert "another browser" in await stranger.inner_text("body")
    opened_elsewhere = await stranger.goto(start_url)
    assert opened_elsewhere is not None and opened_elsewhere.status == 400
    assert await stored_connection(db) is None

    # The browser that started the flow can still finish it.
    done = await mine.goto(callback)
    assert done is not None and done.status == 200
    assert "close this tab" in await mine.inner_text("body")
    assert await stored_connection(db) is not None


async def test_denying_access_in_the_browser_shows_why_and_stores_nothing(
    servers: str, user: SlackUser, fake_slack: FakeSlack, browser: Browser, db: Database
):
    page = await new_page(browser)
    await log_in_and_press(page, await login_button_url(user, fake_slack), "Deny")
    await page.wait_for_url(f"{servers}/oauth/salesforce/callback?*")

    await page.get_by_text("not granted").wait_for()
    assert await stored_connection(db) is None
    await fake_slack.wait_for("chat.postMessage")
    assert "was not connected" in fake_slack.last_call("chat.postMessage").args["text"]
