"""Recruiterflow: the connector (``client``) and what the registry knows of it (:data:`SPEC`)."""

from bot.connectors.recruiterflow.client import RecruiterflowConnector, RecruiterflowOptions
from bot.connectors.spec import ConnectorSpec, CredentialField

__all__ = ["SPEC", "RecruiterflowConnector", "RecruiterflowOptions"]

SPEC = ConnectorSpec(
    RecruiterflowConnector,
    credential_fields=(
        CredentialField(
            "api_key",
            "API key",
            True,
            "Recruiterflow issues API keys through its support team: ask them for one.",
        ),
    ),
    settings={
        "base_url": "recruiterflow_api_url",
        "activity_type_name": "recruiterflow_activity_type",
    },
)
