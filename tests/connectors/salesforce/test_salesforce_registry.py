"""Salesforce in the registry: connected by OAuth, built from the stored refresh token."""

from __future__ import annotations

import httpx
import pytest

from bot.connectors import CONNECTORS, build_connector
from bot.connectors.errors import ConfigError
from bot.connectors.salesforce.client import SalesforceConnector
from bot.connectors.skeleton import SessionCache
from bot.settings import Settings
from sandbox.salesforce import SalesforceState
from tests.connectors.salesforce.conftest import CLIENT_ID, CLIENT_SECRET, INSTANCE_URL, LOGIN_URL


def test_salesforce_connects_by_oauth_without_typed_credentials() -> None:
    spec = CONNECTORS["salesforce"]
    assert (spec.display_name, spec.auth, spec.credential_fields) == ("Salesforce", "oauth", ())
    assert spec.record_types == ("Lead", "Contact")
    assert CONNECTORS["ashby"].auth == "api_key"


def test_build_uses_the_app_settings_and_stored_tokens() -> None:
    settings = Settings(
        _env_file=None,
        salesforce_client_id="cid",
        salesforce_client_secret="secret",
        salesforce_login_url="https://login.salesforce.test/",
    )
    credentials = {"refresh_token": "5Aep-r", "instance_url": "https://acme.my.salesforce.test/"}
    connector = build_connector("salesforce", credentials, settings)
    assert isinstance(connector, SalesforceConnector)
    assert connector.instance_url == "https://acme.my.salesforce.test"
    assert connector.login_url == "https://login.salesforce.test"
    with pytest.raises(ConfigError, match="refresh token"):
        build_connector("salesforce", {"instance_url": "https://x.test"}, settings)
    with pytest.raises(ConfigError, match="SALESFORCE_CLIENT_ID"):
        build_connector("salesforce", credentials, Settings(_env_file=None))


async def test_connectors_built_with_one_session_cache_share_the_session(
    org: SalesforceState, refresh_token: str, transport: httpx.ASGITransport
) -> None:
    settings = Settings(
        _env_file=None,
        salesforce_client_id=CLIENT_ID,
        salesforce_client_secret=CLIENT_SECRET,
        salesforce_login_url=LOGIN_URL,
        crm_retry_wait_seconds=0,
    )
    credentials = {"refresh_token": refresh_token, "instance_url": INSTANCE_URL}
    sessions = SessionCache()
    for _ in range(2):
        connector = build_connector("salesforce", credentials, settings, transport, sessions)
        await connector.find_by_emails(["a@acme.com"])
        await connector.aclose()
    assert org.oauth.calls["token.refresh_token"] == 1
