"""Fixtures shared by the suite: a migrated SQLite database per test (copied from one
template), the fake Slack Web API, the CRM emulators (``tests.support.emulators``), and a
Runtime wired to them; plus ``state``/``transport``/``api`` for one emulator named by a
``kind`` fixture."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from alembic import command as alembic_command
from cryptography.fernet import Fernet

from bot.app import Runtime, create_app
from bot.settings import Settings, normalise_database_url
from bot.storage.db import alembic_config
from sandbox.ashby import AshbyState
from sandbox.crelate import CrelateState
from sandbox.kernel import State, Transport
from sandbox.pcrecruiter import PCRecruiterState
from sandbox.recruiterflow import RecruiterflowState
from sandbox.salesforce import SalesforceState
from tests.support.emulators import (
    APP_URL,
    SEEDS,
    HostRouter,
)
from tests.support.emulators import PCR_LOGIN as PCR_FIELDS
from tests.support.fake_slack import FakeSlack
from tests.support.postgres import PostgresUnavailable, create_database, postgres_server

SIGNING_SECRET = "test-signing-secret"
OUTREACH_SECRET = "test-outreach-secret"
# PCRecruiter's login as the connect modal labels it.
PCR_LOGIN = dict(
    zip(
        ("Database ID", "Username", "Password", "API key", "App ID"),
        PCR_FIELDS.values(),
        strict=True,
    )
)
TEAM, USER = "T0001", "U0001"
TEST_KEY = Fernet.generate_key().decode()
T = TypeVar("T")


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
    return SEEDS["ashby"].new()


@pytest.fixture
def salesforce() -> SalesforceState:
    """An emulated Salesforce org with the app's connected app and one user."""
    return SEEDS["salesforce"].new()


@pytest.fixture
def recruiterflow() -> RecruiterflowState:
    return SEEDS["recruiterflow"].new()


@pytest.fixture
def pcrecruiter() -> PCRecruiterState:
    return SEEDS["pcrecruiter"].new()


@pytest.fixture
def crelate() -> CrelateState:
    return SEEDS["crelate"].new()


@pytest.fixture
def settings(database_url: str, fake_slack: FakeSlack) -> Settings:
    return Settings(
        _env_file=None,
        database_url=database_url,
        slack_bot_token="xoxb-test-token",
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake_slack.base_url,
        public_url=APP_URL,
        outreach_webhook_secret=OUTREACH_SECRET,
        encryption_keys=TEST_KEY,
        **{k: v for seed in SEEDS.values() for k, v in seed.settings().items()},
        crm_retry_wait_seconds=0,
        sync_interval_seconds=0.05,
        # Scenario tests drive jobs in-process; tests/tasks runs them through procrastinate.
        task_runner="inprocess",
    )


@pytest.fixture
def crm_apps(
    ashby: AshbyState,
    salesforce: SalesforceState,
    recruiterflow: RecruiterflowState,
    pcrecruiter: PCRecruiterState,
    crelate: CrelateState,
) -> dict[str, Any]:
    """Each CRM emulator by the host of its API URL in ``settings`` (Salesforce: one app for
    the login host and the org's instance host)."""
    states = {
        "ashby": ashby,
        "salesforce": salesforce,
        "recruiterflow": recruiterflow,
        "pcrecruiter": pcrecruiter,
        "crelate": crelate,
    }
    apps: dict[str, Any] = {}
    for kind, state in states.items():
        app = SEEDS[kind].create_app(state)
        apps.update(dict.fromkeys(SEEDS[kind].served_hosts(), app))
    return apps


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
    async with httpx.AsyncClient(transport=transport, base_url=APP_URL) as client:
        yield client


# --- one emulator, for the tests of an emulator or of a connector: a `kind` fixture names it --


@pytest.fixture
def state(kind: str) -> State:
    """The emulator, seeded with the suite's credentials."""
    return SEEDS[kind].new()


@pytest.fixture
def transport(kind: str, state: State) -> Transport:
    return SEEDS[kind].transport(state)


@pytest.fixture
async def api(kind: str, state: State, transport: Transport) -> AsyncIterator[httpx.AsyncClient]:
    """A raw client of the emulator's API, authenticated with the suite's credentials."""
    async with httpx.AsyncClient(transport=transport, **SEEDS[kind].client(state)) as client:
        yield client


@pytest.fixture
async def closing() -> AsyncIterator[Callable[[T], T]]:
    """``closing(connector)`` closes the connector when the test ends."""
    made: list[Any] = []

    def track(connector: T) -> T:
        made.append(connector)
        return connector

    yield track
    for connector in made:
        await connector.aclose()


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


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "postgres_only: needs PostgreSQL whatever TEST_DB says; runs in the PostgreSQL pass",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("TEST_DB") == "postgres":
        return
    skip = pytest.mark.skip(reason="runs in the PostgreSQL pass of make test (TEST_DB=postgres)")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)
