"""An emulated Salesforce org and connectors wired to it, for the Salesforce unit tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from bot.connectors.salesforce.client import SalesforceConnector
from sandbox.salesforce import SalesforceState, create_app

LOGIN_URL = "https://login.salesforce.test"
INSTANCE_URL = "https://acme.my.salesforce.test"
CLIENT_ID = "3MVG9-unit-client"
CLIENT_SECRET = "unit-client-secret-9f2c"
USERNAME = "sync@acme.test"


@pytest.fixture
def org() -> SalesforceState:
    state = SalesforceState(login_url=LOGIN_URL)
    state.oauth.add_client(CLIENT_ID, CLIENT_SECRET, ["https://bot.test/cb"])
    state.oauth.add_user(USERNAME, "unused", INSTANCE_URL)
    return state


@pytest.fixture
def refresh_token(org: SalesforceState) -> str:
    return org.oauth.grant_refresh_token(CLIENT_ID, USERNAME)


@pytest.fixture
def transport(org: SalesforceState) -> httpx.ASGITransport:
    return httpx.ASGITransport(app=create_app(org))


@pytest.fixture
async def make_connector(
    refresh_token: str, transport: httpx.ASGITransport
) -> AsyncIterator[Callable[..., SalesforceConnector]]:
    made: list[SalesforceConnector] = []

    def make(**overrides: Any) -> SalesforceConnector:
        options: dict[str, Any] = {
            "refresh_token": refresh_token,
            "instance_url": INSTANCE_URL,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "login_url": LOGIN_URL,
            "transport": transport,
            "retry_wait": 0,
            **overrides,
        }
        connector = SalesforceConnector(**options)
        made.append(connector)
        return connector

    yield make
    for connector in made:
        await connector.aclose()


@pytest.fixture
def connector(make_connector: Callable[..., SalesforceConnector]) -> SalesforceConnector:
    return make_connector()
