from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from bot.connectors.ashby.client import AshbyConnector
from sandbox.ashby import AshbyState, create_app

API_KEY = "ashby_test_key_7f3a9c"
BASE_URL = "https://ashby.test"


@pytest.fixture
def state() -> AshbyState:
    ashby = AshbyState()
    ashby.add_api_key(API_KEY, title="Sync bot")
    return ashby


@pytest.fixture
def transport(state: AshbyState) -> httpx.ASGITransport:
    return httpx.ASGITransport(app=create_app(state))


MakeConnector = Callable[..., AshbyConnector]


@pytest.fixture
async def make_connector(transport: httpx.ASGITransport) -> AsyncIterator[MakeConnector]:
    made: list[AshbyConnector] = []

    def make(key: str = API_KEY, **kw) -> AshbyConnector:
        kw.setdefault("transport", transport)
        kw.setdefault("retry_wait", 0)
        connector = AshbyConnector(key, base_url=BASE_URL, **kw)
        made.append(connector)
        return connector

    yield make
    for connector in made:
        await connector.aclose()


@pytest.fixture
def connector(make_connector: MakeConnector) -> AshbyConnector:
    return make_connector()


@pytest.fixture
async def api(transport: httpx.ASGITransport) -> AsyncIterator[httpx.AsyncClient]:
    """A raw client for the emulator, authenticated with the test key."""
    async with httpx.AsyncClient(
        transport=transport, base_url=BASE_URL, auth=httpx.BasicAuth(API_KEY, "")
    ) as client:
        yield client


@pytest.fixture
def api_key() -> str:
    return API_KEY


@pytest.fixture
def base_url() -> str:
    return BASE_URL
