"""What a vendor package declares about its CRM: a :class:`ConnectorSpec`.

The spec names the connector class (its kind, display name, record types and capabilities come
from there), the credential fields of the connect modal, and which Settings fields the
connector reads, as a map from its options' field names to Settings attributes. Building a
connector turns Settings into the vendor's frozen options, checks the credentials, and hands
the connector only those, plus the transport and the session cache of whoever builds it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

import httpx
from pydantic import SecretStr

from bot.connectors.base import Capability, Connector
from bot.connectors.errors import ConfigError
from bot.connectors.skeleton import ConnectorOptions, HttpConnector, SessionCache
from bot.settings import Settings

__all__ = [
    "COMMON_SETTINGS",
    "ConnectorFactory",
    "ConnectorSpec",
    "CredentialField",
    "Setting",
    "required",
]


class CredentialField(NamedTuple):
    """One input of the connect modal. ``secret`` fields are masked and never echoed back."""

    name: str
    label: str
    secret: bool
    hint: str = ""


class Setting(NamedTuple):
    """A Settings attribute read through ``parse`` (e.g. a comma list into numbers)."""

    name: str
    parse: Callable[[Any], Any]


ConnectorFactory = Callable[
    [Mapping[str, str], Any, httpx.AsyncBaseTransport | None, SessionCache | None], Connector
]
"""Builds a connector from credentials, its options, a transport and a session cache."""

# Read by every connector.
COMMON_SETTINGS: Mapping[str, str] = {"retry_wait": "crm_retry_wait_seconds"}


def required(credentials: Mapping[str, str], name: str, label: str, vendor: str) -> str:
    """A credential's trimmed value; a ConfigError naming it when it is missing."""
    value = (credentials.get(name) or "").strip()
    if not value:
        raise ConfigError(f"The {label} for {vendor} is missing.")
    return value


def _setting(settings: Settings, source: str | Setting) -> Any:
    if isinstance(source, Setting):
        return source.parse(getattr(settings, source.name))
    value = getattr(settings, source)
    return value.get_secret_value() if isinstance(value, SecretStr) else value


@dataclass(frozen=True, slots=True)
class ConnectorSpec:
    connector: type[HttpConnector]
    credential_fields: tuple[CredentialField, ...]
    # Options field → the Settings attribute it comes from (COMMON_SETTINGS are added).
    settings: Mapping[str, str | Setting] = field(default_factory=dict)
    # "oauth": the teammate connects by logging in to the CRM in the browser (no modal
    # inputs; credential_fields is empty) instead of typing an API key.
    auth: Literal["api_key", "oauth"] = "api_key"
    # None: pass each credential field, required, as a keyword of the connector.
    factory: ConnectorFactory | None = None

    @property
    def kind(self) -> str:
        return self.connector.kind

    @property
    def display_name(self) -> str:
        return self.connector.display_name

    @property
    def record_types(self) -> tuple[str, ...]:
        return self.connector.record_types

    @property
    def capabilities(self) -> frozenset[Capability]:
        return self.connector.capabilities

    def options_from(self, settings: Settings) -> ConnectorOptions:
        """This connector's slice of Settings."""
        sources = {**COMMON_SETTINGS, **self.settings}
        values = {name: _setting(settings, source) for name, source in sources.items()}
        return self.connector.options_type(**values)

    def build(
        self,
        credentials: Mapping[str, str],
        settings: Settings,
        transport: httpx.AsyncBaseTransport | None = None,
        sessions: SessionCache | None = None,
    ) -> Connector:
        if self.factory is not None:
            return self.factory(credentials, self.options_from(settings), transport, sessions)
        values = {
            f.name: required(credentials, f.name, f.label, self.display_name)
            for f in self.credential_fields
        }
        return self.connector(**values, options=self.options_from(settings), transport=transport)
