"""Salesforce: the connector (``client``), its OAuth login (``oauth``) and what the registry
knows of it (:data:`SPEC`)."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from bot.connectors.errors import ConfigError
from bot.connectors.salesforce.client import SalesforceConnector, SalesforceOptions
from bot.connectors.skeleton import SessionCache
from bot.connectors.spec import ConnectorSpec, required

__all__ = ["SPEC", "SalesforceConnector", "SalesforceOptions"]


def _build(
    credentials: Mapping[str, str],
    options: SalesforceOptions,
    transport: httpx.AsyncBaseTransport | None,
    sessions: SessionCache | None,
) -> SalesforceConnector:
    """From what the OAuth callback stored, and the app's connected app settings."""
    refresh_token = required(credentials, "refresh_token", "refresh token", "Salesforce")
    instance_url = required(credentials, "instance_url", "instance URL", "Salesforce")
    if not options.client_id or not options.client_secret:
        raise ConfigError(
            "Salesforce is not set up on this app: SALESFORCE_CLIENT_ID and "
            "SALESFORCE_CLIENT_SECRET are needed."
        )
    return SalesforceConnector(
        refresh_token=refresh_token,
        instance_url=instance_url,
        access_token=credentials.get("access_token") or None,
        identity_url=credentials.get("identity_url") or None,
        options=options,
        transport=transport,
        sessions=sessions,
    )


SPEC = ConnectorSpec(
    SalesforceConnector,
    credential_fields=(),
    settings={
        "login_url": "salesforce_login_url",
        "client_id": "salesforce_client_id",
        "client_secret": "salesforce_client_secret",
    },
    auth="oauth",
    factory=_build,
)
