"""Which CRMs exist, and the factory the app builds connectors with.

Each vendor package declares its own :class:`~bot.connectors.spec.ConnectorSpec` next to its
client (``bot/connectors/<crm>/__init__.py`` exports ``SPEC``). Adding a CRM is a new package
plus one entry in :data:`CONNECTORS`.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from bot.connectors import ashby, crelate, pcrecruiter, recruiterflow, salesforce
from bot.connectors.base import Connector
from bot.connectors.skeleton import SessionCache
from bot.connectors.spec import ConnectorFactory, ConnectorSpec, CredentialField
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

CONNECTORS: dict[str, ConnectorSpec] = {
    spec.kind: spec
    for spec in (ashby.SPEC, salesforce.SPEC, crelate.SPEC, pcrecruiter.SPEC, recruiterflow.SPEC)
}


class UnknownCrmError(KeyError):
    """No connector is registered for this CRM kind."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind

    def __str__(self) -> str:
        known = ", ".join(sorted(CONNECTORS)) or "none"
        return f"Unknown CRM kind {self.kind!r} (known: {known})"


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
    sessions: SessionCache | None = None,
) -> Connector:
    """A connector for ``kind`` with these credentials; raises :class:`UnknownCrmError`.
    ``sessions`` lets the connectors one caller builds reuse each other's logins."""
    return get_spec(kind).build(credentials, settings, transport, sessions)
