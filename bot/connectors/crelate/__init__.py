"""Crelate (api3): the connector (``client``) and what the registry knows of it (:data:`SPEC`)."""

from bot.connectors.crelate.client import (
    CrelateConnector,
    CrelateOptions,
    parse_record_type_bits,
)
from bot.connectors.spec import ConnectorSpec, CredentialField, Setting

__all__ = ["SPEC", "CrelateConnector", "CrelateOptions"]

SPEC = ConnectorSpec(
    CrelateConnector,
    credential_fields=(
        CredentialField(
            "api_key",
            "API key",
            True,
            "In Crelate: Personal Settings > API Access. Use your own key: records are "
            "created under the key's owner.",
        ),
    ),
    settings={
        "base_url": "crelate_api_url",
        "record_type_bits": Setting("crelate_record_type_bits", parse_record_type_bits),
        "workflow_type_id": Setting("crelate_workflow_type_id", lambda value: value or None),
        "activity_type": "crelate_activity_type",
    },
)
