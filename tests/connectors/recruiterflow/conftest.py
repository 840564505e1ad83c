from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from bot.connectors.recruiterflow.client import RecruiterflowConnector
from sandbox.recruiterflow import RecruiterflowState, create_app

API_KEY = "rf_unit_key_93d1"
BASE_URL = "https://api.recruiterflow.test"


@pytest.fixture
def state() -> RecruiterflowState:
    rf = RecruiterflowState()
    rf.add_api_key(API_KEY)
    return rf


@pytest.fixture
def transport(state: RecruiterflowState) -> httpx.ASGITransport:
    return httpx.ASGITransport(app=create_app(state))


MakeConnector = Callable[..., RecruiterflowConnector]


@pytest.fixture
async def make_connector(transport: httpx.ASGITransport) -> AsyncIterator[MakeConnector]:
    made: list[RecruiterflowConnector] = []

    def make(key: str = API_KEY, **kw) -> RecruiterflowConnector:
        kw.setdefault("transport", transport)
        kw.setdefault("retry_wait", 0)
        connector = RecruiterflowConnector(key, base_url=BASE_URL, **kw)
        made.append(connector)
        return connector

    yield make
    for connector in made:
        await connector.aclose()


@pytest.fixture
def connector(make_connector: MakeConnector) -> RecruiterflowConnector:
    return make_connector()


@pytest.fixture
async def api(transport: httpx.ASGITransport) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=transport,
        base_url=f"{BASE_URL}/api/external",
        headers={"RF-Api-Key": API_KEY},
    ) as client:
        yield client
