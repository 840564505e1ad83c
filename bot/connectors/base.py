"""The contract every CRM connector fulfils, and the plain data it speaks.

Connectors know HTTP, auth and the vendor's shapes; they know nothing of our tables. The sync
engine calls them through :class:`Connector` only, so a new CRM is a new package (a client on
:class:`bot.connectors.skeleton.HttpConnector` and its spec) plus one line in
:mod:`bot.connectors.registry`.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from bot.connectors.errors import ConnectorError

__all__ = [
    "ActivityKind",
    "ActivityRecord",
    "BatchActivityLogger",
    "Capability",
    "Connector",
    "ContactData",
    "CrmIdentity",
    "CrmJob",
    "CrmList",
    "CrmRecord",
    "CrmStatus",
    "FieldSpec",
    "ListMember",
    "ListSource",
    "StatusAdvancer",
]


class Capability(enum.StrEnum):
    JOBS = "jobs"
    ACTIVITY = "activity"
    FIELD_MAPPING = "field_mapping"
    LISTS = "lists"
    STATUSES = "statuses"


class ActivityKind(enum.StrEnum):
    SENT = "sent"
    OPENED = "opened"
    CLICKED = "clicked"
    REPLIED = "replied"
    BOUNCED = "bounced"


@dataclass(frozen=True, slots=True)
class ContactData:
    """A contact as the outreach tool knows it; email is already normalised."""

    email: str
    first_name: str | None = None
    last_name: str | None = None
    title: str | None = None
    company: str | None = None
    phone: str | None = None
    linkedin_url: str | None = None
    location: str | None = None
    custom: dict[str, Any] = field(default_factory=dict)
    # Values for the CRM's own fields (by the CRM's field name) from the teammate's field
    # mapping; connectors write them on create, over their built-in defaults.
    crm_fields: dict[str, Any] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        """A display name; falls back to the email's local part, since CRMs require a name."""
        name = " ".join(p for p in (self.first_name, self.last_name) if p)
        return name or self.email.split("@", 1)[0]


@dataclass(frozen=True, slots=True)
class CrmRecord:
    """A person record found in or created in the CRM."""

    id: str
    record_type: str
    emails: tuple[str, ...]
    name: str = ""
    url: str | None = None
    job_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CrmJob:
    id: str
    title: str
    status: str = "Open"


@dataclass(frozen=True, slots=True)
class CrmIdentity:
    """Who the credentials act as, shown to the teammate after connecting."""

    label: str
    account_id: str | None = None


@dataclass(frozen=True, slots=True)
class ActivityRecord:
    """One email event to write to the CRM. ``marker`` is unique per event so an
    in-doubt write can be recognised later instead of being written twice."""

    kind: ActivityKind
    occurred_at: datetime
    sequence_name: str
    marker: str
    subject: str | None = None
    snippet: str | None = None
    sentiment: str | None = None


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    label: str
    type: str
    required: bool = False
    picklist: tuple[str, ...] = ()
    max_length: int | None = None


@runtime_checkable
class Connector(Protocol):
    """One teammate's authenticated session with one CRM."""

    kind: str
    display_name: str
    capabilities: frozenset[Capability]
    record_types: tuple[str, ...]
    find_batch_size: int
    create_batch_size: int

    async def verify(self) -> CrmIdentity:
        """Check the credentials; raise AuthError with a readable reason when they are bad."""

    async def find_by_emails(
        self, emails: Sequence[str], record_types: Sequence[str] | None = None
    ) -> dict[str, CrmRecord]:
        """Look up normalised emails across the record types that can hold them.
        Returns only the emails found; callers batch by ``find_batch_size``."""

    async def create(self, contact: ContactData, record_type: str) -> CrmRecord:
        """Create one record (no dedupe: callers always find first)."""

    async def create_many(
        self, contacts: Sequence[ContactData], record_type: str
    ) -> list[CrmRecord | ConnectorError]:
        """Create up to ``create_batch_size`` records, one result per contact in order.
        A record the CRM refused comes back as its error (a ValidationError); failures of
        the whole call (auth, rate limit, outage) raise instead."""

    async def assign_to_job(self, record: CrmRecord, job_id: str) -> None:
        """Put the record on the job; already assigned is success, not an error."""

    async def log_activity(self, record: CrmRecord, activity: ActivityRecord) -> str:
        """Write one activity; returns the CRM's id for it."""

    async def activity_exists(self, record: CrmRecord, marker: str) -> bool:
        """Whether an activity carrying ``marker`` was already written (in-doubt recovery)."""

    async def list_jobs(self, query: str = "") -> list[CrmJob]:
        """Open jobs whose title contains ``query`` (case-insensitive)."""

    async def describe_fields(self, record_type: str) -> list[FieldSpec]:
        """The CRM's own field list for a record type (for mapping validation)."""

    async def aclose(self) -> None:
        """Release the HTTP client."""


# --- CRM lists and statuses (optional capabilities) ------------------------------------------
# Appended for Capability.LISTS (PRODUCT rule 13) and Capability.STATUSES (rule 11). Connectors
# that have the capability implement the Protocol too; callers check with isinstance().


@dataclass(frozen=True, slots=True)
class CrmList:
    """A list of people kept in the CRM, as offered for import."""

    id: str
    name: str
    size: int | None = None


@dataclass(frozen=True, slots=True)
class ListMember:
    """One person on a CRM list. ``email`` is None when the record has none: such members are
    returned anyway so an import can count them."""

    record_id: str
    email: str | None
    record_type: str
    first_name: str | None = None
    last_name: str | None = None
    url: str | None = None


@runtime_checkable
class ListSource(Protocol):
    async def list_lists(self) -> list[CrmList]:
        """Every list the credentials can see, sorted by name."""

    async def list_members(self, list_id: str) -> list[ListMember]:
        """Every member of one list, with or without an email."""


@dataclass(frozen=True, slots=True)
class CrmStatus:
    """A status (workflow stage) a record can be moved to; names are per CRM account."""

    id: str
    name: str


@runtime_checkable
class StatusAdvancer(Protocol):
    async def list_statuses(self) -> list[CrmStatus]:
        """The statuses the account defines, in the CRM's own order."""

    async def set_status(self, record: CrmRecord, status: CrmStatus, job_id: str | None) -> None:
        """Move the record to ``status`` (on ``job_id``'s pipeline where statuses live on
        jobs); raise ValidationError when the record cannot take a status this way."""


@runtime_checkable
class BatchActivityLogger(Protocol):
    """A CRM that writes many activities in one call (Salesforce Tasks via Collections).
    The engine uses it when present and falls back to ``log_activity`` one by one."""

    activity_batch_size: int

    async def log_activities(
        self, items: Sequence[tuple[CrmRecord, ActivityRecord]]
    ) -> list[str | ConnectorError]:
        """Write up to ``activity_batch_size`` activities; one result per item in order: the
        CRM's id, or the error for an activity the CRM refused. Whole-call failures raise."""
