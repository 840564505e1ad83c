"""PCRecruiter: the connector (``client``) and what the registry knows of it (:data:`SPEC`)."""

from bot.connectors.pcrecruiter.client import PCRecruiterConnector, PCRecruiterOptions
from bot.connectors.spec import ConnectorSpec, CredentialField

__all__ = ["SPEC", "PCRecruiterConnector", "PCRecruiterOptions"]

SPEC = ConnectorSpec(
    PCRecruiterConnector,
    credential_fields=(
        CredentialField(
            "database_id",
            "Database ID",
            False,
            "In PCRecruiter: System > API > API Settings (looks like SampleDB.SampleProfile).",
        ),
        CredentialField("username", "Username", False),
        CredentialField("password", "Password", True),
        CredentialField(
            "api_key",
            "API key",
            True,
            "The REST API needs an API key and App ID from the PCRecruiter API portal "
            "(ask your PCRecruiter administrator).",
        ),
        CredentialField("app_id", "App ID", True),
    ),
    settings={
        "base_url": "pcrecruiter_api_url",
        "activity_type": "pcrecruiter_activity_type",
        "interview_type": "pcrecruiter_interview_type",
        "interview_status": "pcrecruiter_interview_status",
        "open_job_status": "pcrecruiter_open_job_status",
        "candidate_status": "pcrecruiter_candidate_status",
    },
)
