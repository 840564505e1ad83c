from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from bot.connectors.crelate.client import CrelateConnector
from sandbox.crelate import ApiUser, CrelateState, create_app

API_KEY = "crelate_test_key_41c9e2"
BASE_URL = "https://app.crelate.test/api3"


@pytest.fixture
def state() -> CrelateState:
    return CrelateState()


@pytest.fixture
def owner(state: CrelateState) -> ApiUser:
    return state.add_api_key(API_KEY, "Sam Recruiter")


@pytest.fixture
def transport(state: CrelateState) -> httpx.ASGITransport:
    return httpx.ASGITransport(app=create_app(state))


MakeConnector = Callable[..., CrelateConnector]


@pytest.fixture
async def make_connector(
    transport: httpx.ASGITransport, owner: ApiUser
) -> AsyncIterator[MakeConnector]:
    made: list[CrelateConnector] = []

    def make(key: str = API_KEY, **kw) -> CrelateConnector:
        kw.setdefault("transport", transport)
        kw.setdefault("retry_wait", 0)
        connector = CrelateConnector(key, base_url=BASE_URL, **kw)
        made.append(connector)
        return connector

    yield make
    for connector in made:
        await connector.aclose()


@pytest.fixture
def connector(make_connector: MakeConnector) -> CrelateConnector:
    return make_connector()


@pytest.fixture
async def api(transport: httpx.ASGITransport, owner: ApiUser) -> AsyncIterator[httpx.AsyncClient]:
    """A raw client for the emulator, sending the test key in the header."""
    async with httpx.AsyncClient(
        transport=transport, base_url=BASE_URL + "/", headers={"X-Api-Key": API_KEY}
    ) as client:
        yield client
