"""Fixtures shared by the suite: a migrated SQLite database per test (copied from one
template), the fake Slack Web API, the Ashby emulator, and a Runtime wired to all three."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet

from bot.app import Runtime, create_app
from bot.connectors.ashby.emulator import AshbyState
from bot.connectors.ashby.emulator import create_app as ashby_app
from bot.connectors.crelate.emulator import CrelateState
from bot.connectors.crelate.emulator import create_app as crelate_app
from bot.settings import Settings
from bot.storage.db import upgrade_to_head
from tests.support.crm_hosts import HostRouter
from tests.support.fake_slack import FakeSlack

SIGNING_SECRET = "test-signing-secret"
OUTREACH_SECRET = "test-outreach-secret"
ASHBY_KEY = "ashby-test-key-0123456789"
CRELATE_KEY = "crelate-test-key-9876543210"
TEAM, USER = "T0001", "U0001"
TEST_KEY = Fernet.generate_key().decode()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    asyncio.run(upgrade_to_head(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture
def database_url(template_db: Path, tmp_path: Path) -> str:
    path = tmp_path / "bot.db"
    shutil.copy(template_db, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as slack:
        yield slack


@pytest.fixture
def ashby() -> AshbyState:
    state = AshbyState()
    state.add_api_key(ASHBY_KEY)
    return state


@pytest.fixture
def crelate() -> CrelateState:
    state = CrelateState()
    state.add_api_key(CRELATE_KEY, "Sam Recruiter")
    return state


@pytest.fixture
def settings(database_url: str, fake_slack: FakeSlack) -> Settings:
    return Settings(
        _env_file=None,
        database_url=database_url,
        slack_bot_token="xoxb-test-token",
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake_slack.base_url,
        outreach_webhook_secret=OUTREACH_SECRET,
        encryption_keys=TEST_KEY,
        ashby_api_url="https://api.ashbyhq.test",
        crelate_api_url="https://app.crelate.test/api3",
        crm_retry_wait_seconds=0,
        sync_interval_seconds=0.05,
    )


@pytest.fixture
def crm_apps(settings: Settings, ashby: AshbyState, crelate: CrelateState) -> dict[str, Any]:
    """Each CRM emulator by the host of its API URL in ``settings``."""
    return {
        httpx.URL(settings.ashby_api_url).host: ashby_app(ashby),
        httpx.URL(settings.crelate_api_url).host: crelate_app(crelate),
    }


@pytest.fixture
async def runtime(settings: Settings, crm_apps: dict[str, Any]) -> AsyncIterator[Runtime]:
    rt = Runtime(settings, crm_transport=HostRouter(crm_apps))
    await rt.start(clock=False)
    yield rt
    await rt.stop()


@pytest.fixture
async def http(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    """The bot's own ASGI app, reached through real HTTP semantics (no socket)."""
    transport = httpx.ASGITransport(app=create_app(runtime, clock=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as client:
        yield client


async def eventually(check: Callable[[], Awaitable[Any] | Any], within: float = 5.0) -> Any:
    """Wait until ``check`` returns something truthy (background work after a Slack ack)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)
