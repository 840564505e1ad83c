"""Fixtures shared by the suite: a migrated SQLite database per test (copied from one
template), the fake Slack Web API, the Ashby emulator, and a Runtime wired to all three."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command as alembic_command
from cryptography.fernet import Fernet

from bot.app import Runtime, create_app
from bot.settings import Settings, normalise_database_url
from bot.storage.db import alembic_config
from sandbox.ashby import AshbyState
from sandbox.ashby import create_app as ashby_app
from sandbox.crelate import CrelateState
from sandbox.crelate import create_app as crelate_app
from sandbox.pcrecruiter import PCRecruiterState
from sandbox.pcrecruiter import create_app as pcrecruiter_app
from sandbox.recruiterflow import RecruiterflowState
from sandbox.recruiterflow import create_app as recruiterflow_app
from sandbox.salesforce import SalesforceState
from sandbox.salesforce import create_app as salesforce_app
from tests.support.crm_hosts import HostRouter
from tests.support.fake_slack import FakeSlack
from tests.support.postgres import PostgresUnavailable, create_database, postgres_server

SIGNING_SECRET = "test-signing-secret"
OUTREACH_SECRET = "test-outreach-secret"
ASHBY_KEY = "ashby-test-key-0123456789"
RF_KEY = "rf-test-key-4f1b2c"
PCR_LOGIN = {
    "Database ID": "Test.Profile",
    "Username": "sync-bot",
    "Password": "pcr-test-password-7d2",
    "API key": "pcr-test-api-key-1a9",
    "App ID": "pcr-test-app-id-3c4",
}
CRELATE_KEY = "crelate-test-key-9876543210"
TEAM, USER = "T0001", "U0001"
SALESFORCE_LOGIN_URL = "https://login.salesforce.test"
SALESFORCE_INSTANCE_URL = "https://acme.my.salesforce.test"
SALESFORCE_CLIENT_ID = "3MVG9-suite-client"
SALESFORCE_CLIENT_SECRET = "suite-client-secret-3e7d"
SALESFORCE_USER = "sync@acme.test"
TEST_KEY = Fernet.generate_key().decode()


def migrate(url: str) -> None:
    """Apply migrations from sync code, even when a test's event loop is already running
    (Alembic's env starts a loop of its own, so it gets a thread)."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(alembic_command.upgrade, alembic_config(url), "head").result()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL server for this run; skipped locally without one, an error in CI."""
    try:
        with postgres_server() as url:
            yield url
    except PostgresUnavailable as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def postgres_template(postgres_url: str) -> str:
    name = f"template_{uuid.uuid4().hex[:8]}"
    url = create_database(postgres_url, name)
    migrate(normalise_database_url(url))
    return name


@pytest.fixture
def postgres_database(postgres_url: str, postgres_template: str) -> str:
    """A fresh migrated PostgreSQL database for one test."""
    url = create_database(postgres_url, f"t_{uuid.uuid4().hex[:12]}", postgres_template)
    return normalise_database_url(url)


@pytest.fixture
def database_url(request: pytest.FixtureRequest, template_db: Path, tmp_path: Path) -> str:
    """SQLite by default; the whole suite runs on PostgreSQL with TEST_DB=postgres."""
    if os.environ.get("TEST_DB") == "postgres":
        return request.getfixturevalue("postgres_database")
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
def salesforce() -> SalesforceState:
    """An emulated Salesforce org with the app's connected app and one user."""
    state = SalesforceState(login_url=SALESFORCE_LOGIN_URL)
    state.oauth.add_client(
        SALESFORCE_CLIENT_ID,
        SALESFORCE_CLIENT_SECRET,
        ["http://bot.test/oauth/salesforce/callback"],
    )
    state.oauth.add_user(SALESFORCE_USER, "suite-password", SALESFORCE_INSTANCE_URL)
    return state


@pytest.fixture
def recruiterflow() -> RecruiterflowState:
    state = RecruiterflowState()
    state.add_api_key(RF_KEY)
    return state


@pytest.fixture
def pcrecruiter() -> PCRecruiterState:
    state = PCRecruiterState()
    state.add_login(*PCR_LOGIN.values())
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
        salesforce_client_id=SALESFORCE_CLIENT_ID,
        salesforce_client_secret=SALESFORCE_CLIENT_SECRET,
        salesforce_login_url=SALESFORCE_LOGIN_URL,
        recruiterflow_api_url="https://api.recruiterflow.test",
        pcrecruiter_api_url="https://pcr.test/rest/api",
        crelate_api_url="https://app.crelate.test/api3",
        crm_retry_wait_seconds=0,
        sync_interval_seconds=0.05,
    )


@pytest.fixture
def crm_apps(
    settings: Settings,
    ashby: AshbyState,
    salesforce: SalesforceState,
    recruiterflow: RecruiterflowState,
    pcrecruiter: PCRecruiterState,
    crelate: CrelateState,
) -> dict[str, Any]:
    """Each CRM emulator by the host of its API URL in ``settings`` (Salesforce: one app for
    the login host and the org's instance host)."""
    sf_app = salesforce_app(salesforce)
    return {
        httpx.URL(settings.ashby_api_url).host: ashby_app(ashby),
        httpx.URL(settings.salesforce_login_url).host: sf_app,
        httpx.URL(SALESFORCE_INSTANCE_URL).host: sf_app,
        httpx.URL(settings.recruiterflow_api_url).host: recruiterflow_app(recruiterflow),
        httpx.URL(settings.pcrecruiter_api_url).host: pcrecruiter_app(pcrecruiter),
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
