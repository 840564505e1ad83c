"""The CRMs this app connects to, as the Slack surface needs to know them: names, record
types, credential fields and what each can do. Listeners and views get these plain facts
instead of the connector registry."""

from __future__ import annotations

from dataclasses import dataclass

from bot.connectors.base import Capability
from bot.connectors.registry import CONNECTORS, display_name

__all__ = ["CredentialInput", "Crm", "crm", "crm_name", "crms", "find_crm"]


@dataclass(frozen=True, slots=True)
class CredentialInput:
    name: str
    label: str
    hint: str = ""


@dataclass(frozen=True, slots=True)
class Crm:
    kind: str
    name: str
    record_types: tuple[str, ...]
    login: bool  # connects by logging in (OAuth) rather than with typed credentials
    fields: tuple[CredentialInput, ...]
    jobs: bool
    activity: bool
    mapping: bool
    lists: bool
    statuses: bool

    def sync_as(self, chosen: str | None) -> str:
        """``chosen`` when it is one of the record types, else the first."""
        return chosen if chosen in self.record_types else self.record_types[0]


def crm(kind: str) -> Crm | None:
    spec = CONNECTORS.get(kind)
    if spec is None:
        return None
    can = spec.capabilities
    return Crm(
        kind=kind,
        name=spec.display_name,
        record_types=tuple(spec.record_types),
        login=spec.auth == "oauth",
        fields=tuple(CredentialInput(f.name, f.label, f.hint) for f in spec.credential_fields),
        jobs=Capability.JOBS in can,
        activity=Capability.ACTIVITY in can,
        mapping=Capability.FIELD_MAPPING in can,
        lists=Capability.LISTS in can,
        statuses=Capability.STATUSES in can,
    )


def crms() -> list[Crm]:
    return [c for c in map(crm, CONNECTORS) if c is not None]


def crm_name(kind: str) -> str:
    """The CRM's name for messages (an unknown kind as it is)."""
    return display_name(kind)


def find_crm(text: str) -> Crm | None:
    """The CRM a teammate typed, by kind or name, any case."""
    wanted = text.strip().lower()
    return next((c for c in crms() if wanted in (c.kind, c.name.lower())), None)
