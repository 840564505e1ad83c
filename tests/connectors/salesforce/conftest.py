"""An emulated Salesforce org and connectors wired to it, for the Salesforce unit tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.connectors.salesforce.client import SalesforceConnector
from sandbox.salesforce import SalesforceState
from tests.support.emulators import (
    SALESFORCE_CLIENT_ID,
    SALESFORCE_CLIENT_SECRET,
    SALESFORCE_INSTANCE_URL,
    SALESFORCE_LOGIN_URL,
    SALESFORCE_USER,
)

LOGIN_URL, INSTANCE_URL = SALESFORCE_LOGIN_URL, SALESFORCE_INSTANCE_URL
CLIENT_ID, CLIENT_SECRET, USERNAME = SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET, SALESFORCE_USER


@pytest.fixture
def kind() -> str:
    return "salesforce"


@pytest.fixture
def org(state: SalesforceState) -> SalesforceState:
    return state


@pytest.fixture
def refresh_token(org: SalesforceState) -> str:
    return org.oauth.grant_refresh_token(CLIENT_ID, USERNAME)


@pytest.fixture
def make_connector(
    refresh_token: str, transport: Any, closing: Any
) -> Callable[..., SalesforceConnector]:
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
        return closing(SalesforceConnector(**options))

    return make
