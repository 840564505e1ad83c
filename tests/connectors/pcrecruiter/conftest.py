from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from bot.connectors.pcrecruiter.client import PCRecruiterConnector
from sandbox.kernel import ManualClock
from sandbox.pcrecruiter import PCRecruiterState, create_app

LOGIN = {
    "database_id": "Unit.Profile",
    "username": "unit-user",
    "password": "unit-pass-6b1",
    "api_key": "unit-api-key-0f2",
    "app_id": "unit-app-id-c9e",
}
BASE_URL = "https://pcr.test/rest/api"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(1_000_000.0)


@pytest.fixture
def state(clock: ManualClock) -> PCRecruiterState:
    pcr = PCRecruiterState(session_timeout=60, clock=clock)
    pcr.add_login(*LOGIN.values())
    return pcr


@pytest.fixture
def transport(state: PCRecruiterState) -> httpx.ASGITransport:
    return httpx.ASGITransport(app=create_app(state))


MakeConnector = Callable[..., PCRecruiterConnector]


@pytest.fixture
async def make_connector(transport: httpx.ASGITransport) -> AsyncIterator[MakeConnector]:
    made: list[PCRecruiterConnector] = []

    def make(**kw) -> PCRecruiterConnector:
        login = {**LOGIN, **{k: v for k, v in kw.items() if k in LOGIN}}
        options = {k: v for k, v in kw.items() if k not in LOGIN}
        options.setdefault("transport", transport)
        options.setdefault("retry_wait", 0)
        connector = PCRecruiterConnector(**login, base_url=BASE_URL, **options)
        made.append(connector)
        return connector

    yield make
    for connector in made:
        await connector.aclose()


@pytest.fixture
def connector(make_connector: MakeConnector) -> PCRecruiterConnector:
    return make_connector()


@pytest.fixture
async def raw(transport: httpx.ASGITransport) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=transport, base_url="https://pcr.test") as client:
        yield client
