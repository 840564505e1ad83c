"""Ashby: the connector (``client``) and what the registry knows of it (:data:`SPEC`)."""

from bot.connectors.ashby.client import AshbyConnector, AshbyOptions
from bot.connectors.spec import ConnectorSpec, CredentialField

__all__ = ["SPEC", "AshbyConnector", "AshbyOptions"]

SPEC = ConnectorSpec(
    AshbyConnector,
    credential_fields=(
        CredentialField(
            "api_key",
            "API key",
            True,
            "In Ashby: Admin > Ashby API > API Keys > New. Allow candidates read and write, "
            "jobs read and hiring process metadata read.",
        ),
    ),
    settings={"base_url": "ashby_api_url"},
)
