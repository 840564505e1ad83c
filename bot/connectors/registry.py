"""Which CRMs exist: one :class:`ConnectorSpec` per kind, and the factory the app builds from.

Adding a CRM is a new ``bot/connectors/<crm>/`` package plus one entry in :data:`CONNECTORS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal, NamedTuple

import httpx

from bot.connectors.ashby.client import AshbyConnector
from bot.connectors.base import Capability, Connector
from bot.connectors.crelate.client import RECORD_TYPES as CRELATE_TYPES
from bot.connectors.crelate.client import CrelateConnector, CrelateOptions
from bot.connectors.errors import ConfigError
from bot.connectors.pcrecruiter.client import PCRecruiterConnector
from bot.connectors.recruiterflow.client import RecruiterflowConnector
from bot.connectors.salesforce.client import SalesforceConnector
from bot.settings import Settings

__all__ = [
    "CONNECTORS",
    "ConnectorFactory",
    "ConnectorSpec",
    "CredentialField",
    "UnknownCrmError",
    "build_connector",
    "display_name",
    "get_spec",
]

ConnectorFactory = Callable[
    [Mapping[str, str], Settings, httpx.AsyncBaseTransport | None], Connector
]


class CredentialField(NamedTuple):
    """One input of the connect modal. ``secret`` fields are masked and never echoed back."""

    name: str
    label: str
    secret: bool
    hint: str = ""


@dataclass(frozen=True, slots=True)
class ConnectorSpec:
    kind: str
    display_name: str
    credential_fields: tuple[CredentialField, ...]
    record_types: tuple[str, ...]
    capabilities: frozenset[Capability]
    build: ConnectorFactory
    # "oauth": the teammate connects by logging in to the CRM in the browser (no modal
    # inputs; credential_fields is empty) instead of typing an API key.
    auth: Literal["api_key", "oauth"] = "api_key"


class UnknownCrmError(KeyError):
    """No connector is registered for this CRM kind."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind

    def __str__(self) -> str:
        known = ", ".join(sorted(CONNECTORS)) or "none"
        return f"Unknown CRM kind {self.kind!r} (known: {known})"


def _required(credentials: Mapping[str, str], spec_kind: str, name: str, label: str) -> str:
    value = (credentials.get(name) or "").strip()
    if not value:
        raise ConfigError(f"The {label} for {spec_kind} is missing.")
    return value


def _build_ashby(
    credentials: Mapping[str, str],
    settings: Settings,
    transport: httpx.AsyncBaseTransport | None,
) -> Connector:
    api_key = _required(credentials, "Ashby", "api_key", "API key")
    return AshbyConnector(
        api_key,
        base_url=settings.ashby_api_url,
        transport=transport,
        retry_wait=settings.crm_retry_wait_seconds,
    )


ASHBY = ConnectorSpec(
    kind="ashby",
    display_name="Ashby",
    credential_fields=(
        CredentialField(
            "api_key",
            "API key",
            True,
            "In Ashby: Admin > Ashby API > API Keys > New. Allow candidates read and write, "
            "jobs read and hiring process metadata read.",
        ),
    ),
    record_types=AshbyConnector.record_types,
    capabilities=AshbyConnector.capabilities,
    build=_build_ashby,
)


def _build_recruiterflow(
    credentials: Mapping[str, str],
    settings: Settings,
    transport: httpx.AsyncBaseTransport | None,
) -> Connector:
    api_key = _required(credentials, "Recruiterflow", "api_key", "API key")
    return RecruiterflowConnector(
        api_key,
        base_url=settings.recruiterflow_api_url,
        transport=transport,
        retry_wait=settings.crm_retry_wait_seconds,
        activity_type_name=settings.recruiterflow_activity_type,
    )


RECRUITERFLOW = ConnectorSpec(
    kind="recruiterflow",
    display_name="Recruiterflow",
    credential_fields=(
        CredentialField(
            "api_key",
            "API key",
            True,
            "Recruiterflow issues API keys through its support team: ask them for one.",
        ),
    ),
    record_types=RecruiterflowConnector.record_types,
    capabilities=RecruiterflowConnector.capabilities,
    build=_build_recruiterflow,
)


def _build_pcrecruiter(
    credentials: Mapping[str, str],
    settings: Settings,
    transport: httpx.AsyncBaseTransport | None,
) -> Connector:
    def need(name: str, label: str) -> str:
        return _required(credentials, "PCRecruiter", name, label)

    return PCRecruiterConnector(
        database_id=need("database_id", "Database ID"),
        username=need("username", "username"),
        password=need("password", "password"),
        api_key=need("api_key", "API key"),
        app_id=need("app_id", "App ID"),
        base_url=settings.pcrecruiter_api_url,
        transport=transport,
        retry_wait=settings.crm_retry_wait_seconds,
        activity_type=settings.pcrecruiter_activity_type,
        interview_type=settings.pcrecruiter_interview_type,
        interview_status=settings.pcrecruiter_interview_status,
        open_job_status=settings.pcrecruiter_open_job_status,
        candidate_status=settings.pcrecruiter_candidate_status,
    )


PCRECRUITER = ConnectorSpec(
    kind="pcrecruiter",
    display_name="PCRecruiter",
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
    record_types=PCRecruiterConnector.record_types,
    capabilities=PCRecruiterConnector.capabilities,
    build=_build_pcrecruiter,
)


def _build_salesforce(
    credentials: Mapping[str, str],
    settings: Settings,
    transport: httpx.AsyncBaseTransport | None,
) -> Connector:
    refresh_token = _required(credentials, "Salesforce", "refresh_token", "refresh token")
    instance_url = _required(credentials, "Salesforce", "instance_url", "instance URL")
    secret = settings.salesforce_client_secret
    if not settings.salesforce_client_id or secret is None:
        raise ConfigError(
            "Salesforce is not set up on this app: SALESFORCE_CLIENT_ID and "
            "SALESFORCE_CLIENT_SECRET are needed."
        )
    return SalesforceConnector(
        refresh_token=refresh_token,
        instance_url=instance_url,
        access_token=credentials.get("access_token") or None,
        identity_url=credentials.get("identity_url") or None,
        client_id=settings.salesforce_client_id,
        client_secret=secret.get_secret_value(),
        login_url=settings.salesforce_login_url,
        transport=transport,
        retry_wait=settings.crm_retry_wait_seconds,
    )


SALESFORCE = ConnectorSpec(
    kind="salesforce",
    display_name="Salesforce",
    credential_fields=(),
    record_types=SalesforceConnector.record_types,
    capabilities=SalesforceConnector.capabilities,
    build=_build_salesforce,
    auth="oauth",
)


def _crelate_options(settings: Settings) -> CrelateOptions:
    try:
        bits = [int(b) for b in settings.crelate_record_type_bits.split(",")]
    except ValueError:
        bits = []
    if len(bits) != len(CRELATE_TYPES) or any(b <= 0 for b in bits):
        raise ConfigError(
            "CRELATE_RECORD_TYPE_BITS must be four positive numbers, e.g. 1,2,4,8 "
            "(Candidate, Sales/Client Contact, Lead Contact, Employee)."
        )
    return CrelateOptions(
        record_type_bits=dict(zip(CRELATE_TYPES, bits, strict=True)),
        workflow_type_id=settings.crelate_workflow_type_id or None,
        activity_type=settings.crelate_activity_type,
    )


def _build_crelate(
    credentials: Mapping[str, str],
    settings: Settings,
    transport: httpx.AsyncBaseTransport | None,
) -> Connector:
    api_key = _required(credentials, "Crelate", "api_key", "API key")
    return CrelateConnector(
        api_key,
        base_url=settings.crelate_api_url,
        options=_crelate_options(settings),
        transport=transport,
        retry_wait=settings.crm_retry_wait_seconds,
    )


CRELATE = ConnectorSpec(
    kind="crelate",
    display_name="Crelate",
    credential_fields=(
        CredentialField(
            "api_key",
            "API key",
            True,
            "In Crelate: Personal Settings > API Access. Use your own key: records are "
            "created under the key's owner.",
        ),
    ),
    record_types=CrelateConnector.record_types,
    capabilities=CrelateConnector.capabilities,
    build=_build_crelate,
)

CONNECTORS: dict[str, ConnectorSpec] = {
    spec.kind: spec for spec in (ASHBY, SALESFORCE, CRELATE, PCRECRUITER, RECRUITERFLOW)
}


def get_spec(kind: str) -> ConnectorSpec:
    try:
        return CONNECTORS[kind]
    except KeyError:
        raise UnknownCrmError(kind) from None


def display_name(kind: str) -> str:
    """The CRM's name for messages; an unregistered kind (e.g. a retired CRM still stored on an
    old connection) is shown as is rather than failing the message."""
    spec = CONNECTORS.get(kind)
    return spec.display_name if spec else kind


def build_connector(
    kind: str,
    credentials: Mapping[str, str],
    settings: Settings,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Connector:
    """A connector for ``kind`` with these credentials; raises :class:`UnknownCrmError`."""
    return get_spec(kind).build(credentials, settings, transport)
