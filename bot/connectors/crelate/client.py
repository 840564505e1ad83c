"""Crelate (api3) connector: contacts, job pipelines, activities, tag lists and statuses.

Vendor facts relied on (section 1 of ``vendor-apis/crelate-pcrecruiter-recruiterflow.md``):

* Base ``https://app.crelate.com/api3``; the per-user API key goes in the ``X-Api-Key`` header
  (the ``api_key`` query also works, but Crelate echoes the request URL in ``Metadata.Url`` and
  in errors, so the key is never put in a URL). Records created with a key are logged under
  that key's owner. A bad key is HTTP 401.
* Every answer is ``{Data, Errors[{Message}], Metadata{TotalRecords, MoreRecords, ...}}``;
  PascalCase; GUID ids compared case-insensitively; writes wrapped in ``{"entity": ...}``
  (bulk ``{"entities": [...]}`` → ``Data`` = ids); creates answer 200 or 201.
* Paging with ``limit`` (≤ 100) and ``offset``: stop when a page is short or ``offset`` reaches
  ``TotalRecords``.
* One Contact entity typed by the ``RecordType`` bitmask (1 Candidate, 2 Client Contact);
  ``GET /contacts?emails=`` finds by email in any email slot.
* Saving a record missing required attributes is HTTP 500 listing them: a 500 whose message says
  something is required is a refusal of the data (ValidationError), not an outage.
* ``POST /jobs/{id}/contacts?contact_ids=`` with ``statusId`` puts a contact on the job's
  pipeline and re-posting moves the stage; ``GET /contacts?job_ids=&ids=`` tells whether the
  contact is already there. Workflow stage names are org configuration
  (``GET /workflowstatuses``), resolved by exact name at run time.
* Activities are ``POST /activities`` with ``ParentId``, ``VerbId`` (the org's activity type,
  from ``GET /activitytypes``), ``Subject``, ``Html``, ``Display``, ``When``.

Inferred, configurable through :class:`CrelateOptions` (and Settings): the Lead Contact and
Employee bits (4 and 8), the recruiting workflow type id (None: all statuses), the activity type
name ("Email"), how many addresses one ``emails=`` lookup may carry (1: one request each, since
comma lists are unconfirmed), ``GET /users/self`` for the key's owner (``GET /contacts?limit=1``
proves the key when it is missing), ``GET /activities?parent_ids=`` for finding a written
activity (its marker ``[crm-sync:<marker>]`` is in ``Display`` and ``Html``, and the parent is
re-checked here), ``GET /contacts/info`` for custom fields, and ``GET /tags`` +
``GET /contacts?tag_names=`` as the "lists" source (api3 documents no Lists endpoint).
Emails are lower-cased and re-checked client-side; phone numbers that do not look like E.164
are left out, because Crelate refuses the whole record for a malformed phone.
"""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from bot.connectors.activity_text import marker_tag
from bot.connectors.activity_text import verb as verb_of
from bot.connectors.base import (
    ActivityKind,
    ActivityRecord,
    Capability,
    ContactData,
    CrmIdentity,
    CrmJob,
    CrmList,
    CrmRecord,
    CrmStatus,
    FieldSpec,
    ListMember,
)
from bot.connectors.error_map import ErrorRule, ErrorTable, Failure
from bot.connectors.errors import AuthError, ConfigError, SystemError_, ValidationError
from bot.connectors.http import bounded_gather
from bot.connectors.paging import Offset, PageRequest
from bot.connectors.skeleton import (
    ApiKeyConnector,
    ServiceOptions,
    matching_jobs,
    normalise_email,
    unique_emails,
)

__all__ = [
    "ERRORS",
    "RECORD_TYPES",
    "CrelateConnector",
    "CrelateOptions",
    "activity_text",
    "contact_entity",
    "marker_tag",
    "parse_record_type_bits",
]

VENDOR = "Crelate"
DEFAULT_BASE_URL = "https://app.crelate.com/api3"
RECORD_TYPES = ("Candidate", "Sales/Client Contact", "Lead Contact", "Employee")
PAGE_LIMIT = 100
PAGES = Offset(
    offset_param="offset",
    limit_param="limit",
    size=PAGE_LIMIT,
    total_at=("Metadata", "TotalRecords"),
    records_key="Data",
)
EMAIL_SLOTS = (
    "EmailAddresses_Work",
    "EmailAddresses_Personal",
    "EmailAddresses_Other",
    "EmailAddresses_Work_Other",
    "EmailAddresses_Personal_Other",
    "EmailAddresses_Other_Alternate",
    "EmailAddresses_Potential",
)
E164ISH = re.compile(r"^\+?[0-9][0-9 ().-]{6,19}$")
STANDARD_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("FirstName", "First name", "string"),
    FieldSpec("LastName", "Last name", "string"),
    FieldSpec("EmailAddresses_Work", "Work email", "email"),
    FieldSpec("PhoneNumbers_Mobile", "Mobile phone", "phone"),
    FieldSpec("Websites_LinkedIn", "LinkedIn", "url"),
    FieldSpec("Description", "Description", "text"),
    FieldSpec("ExternalPrimaryKey", "External key", "string"),
)
FIELD_TYPES = {"Text": "string", "TextArea": "text", "Email": "email", "Phone": "phone"}


def _error_message(envelope: Any) -> tuple[None, str | None]:
    """Crelate has no error codes: the message is ``Errors[].Message``, joined."""
    errors = (envelope.get("Errors") or []) if isinstance(envelope, dict) else []
    texts = [str(e.get("Message")) for e in errors if isinstance(e, dict) and e.get("Message")]
    return None, "; ".join(texts) or None


def _names_required(failure: Failure) -> bool:
    return "required" in (failure.message or "").lower()


# HTTP status first, with Crelate's messages as the detail.
ERRORS = ErrorTable(
    vendor=VENDOR,
    credential="API key",
    read=_error_message,
    rules=(
        ErrorRule(
            AuthError,
            "Crelate rejected the API key (HTTP 401): it is wrong, regenerated or API access is "
            "off for your role. Copy the key from Crelate > Settings > My Settings > API Access "
            "and reconnect.",
            status=401,
        ),
        # Saving a record without its required attributes is a 500 listing them: a refusal of
        # the data, not an outage.
        ErrorRule(
            ValidationError,
            "Crelate refused the data for {op}: {message}",
            status=500,
            when=_names_required,
        ),
        ErrorRule(ValidationError, "Crelate could not find what {op} refers to.{said}", status=404),
    ),
)


def parse_record_type_bits(text: str) -> dict[str, int]:
    """``CRELATE_RECORD_TYPE_BITS`` ("1,2,4,8") as a bit per record type."""
    try:
        bits = [int(b) for b in text.split(",")]
    except ValueError:
        bits = []
    if len(bits) != len(RECORD_TYPES) or any(b <= 0 for b in bits):
        raise ConfigError(
            "CRELATE_RECORD_TYPE_BITS must be four positive numbers, e.g. 1,2,4,8 "
            "(Candidate, Sales/Client Contact, Lead Contact, Employee)."
        )
    return dict(zip(RECORD_TYPES, bits, strict=True))


@dataclass(frozen=True, slots=True, kw_only=True)
class CrelateOptions(ServiceOptions):
    """The API address and the facts about a Crelate account that the vendor does not document."""

    base_url: str = DEFAULT_BASE_URL
    record_type_bits: Mapping[str, int] = field(
        default_factory=lambda: dict(zip(RECORD_TYPES, (1, 2, 4, 8), strict=True))
    )
    workflow_type_id: str | None = None
    activity_type: str = "Email"
    emails_per_lookup: int = 1
    app_url: str | None = None  # where record links point; default: the API host


class CrelateConnector(ApiKeyConnector):
    """One teammate's Crelate API key behind the Connector, ListSource and StatusAdvancer
    contracts."""

    kind = "crelate"
    display_name = VENDOR
    record_types = RECORD_TYPES
    capabilities = frozenset(
        {
            Capability.JOBS,
            Capability.ACTIVITY,
            Capability.FIELD_MAPPING,
            Capability.LISTS,
            Capability.STATUSES,
        }
    )
    search_concurrency = 4
    options_type = CrelateOptions
    errors = ERRORS
    key_header = "X-Api-Key"
    options: CrelateOptions

    def __init__(self, api_key: str, **kwargs: Any):
        super().__init__(api_key, **kwargs)
        self._verb_id: str | None = None

    # --- Connector ----------------------------------------------------------------------------

    async def verify(self) -> CrmIdentity:
        me = await self._data_unless_missing("GET", "users/self")
        if me is None:
            await self._data("GET", "contacts", params={"limit": 1})
            return CrmIdentity(label="Crelate API key")
        name = me.get("FullName") if isinstance(me, dict) else None
        user_id = me.get("Id") if isinstance(me, dict) else None
        label = f"Crelate user {name}" if name else "Crelate API key"
        return CrmIdentity(label=label, account_id=user_id)

    async def find_by_emails(
        self, emails: Sequence[str], record_types: Sequence[str] | None = None
    ) -> dict[str, CrmRecord]:
        wanted = unique_emails(emails)
        size = max(1, self.options.emails_per_lookup)
        chunks = [wanted[i : i + size] for i in range(0, len(wanted), size)]
        pages = await bounded_gather(self._lookup, chunks, limit=self.search_concurrency)
        bits = self._bits(self.searched_types(record_types)) if record_types is not None else None
        found: dict[str, CrmRecord] = {}
        for contacts in pages:
            for contact in sorted(contacts, key=_modified, reverse=True):
                if bits is not None and not int(contact.get("RecordType") or 0) & bits:
                    continue
                for email in _emails_of(contact) & set(wanted):
                    found.setdefault(email, self._record(contact))
        return found

    async def create(self, contact: ContactData, record_type: str) -> CrmRecord:
        entity = contact_entity(contact, self._bits([record_type]))
        new_id = await self._data(
            "POST", "contacts", json={"entity": entity}, idempotent=False, op="create contact"
        )
        return CrmRecord(
            id=_require_id(new_id, "create contact"),
            record_type=record_type,
            emails=(normalise_email(contact.email),),
            name=contact.full_name,
            url=self._url(str(new_id)),
        )

    async def assign_to_job(self, record: CrmRecord, job_id: str) -> None:
        if await self._on_job(record.id, job_id):
            return
        statuses = await self.list_statuses()
        body = {"statusId": statuses[0].id} if statuses else {}
        await self._put_on_job(record.id, job_id, body, "add contact to job")

    async def log_activity(self, record: CrmRecord, activity: ActivityRecord) -> str:
        text = activity_text(activity)
        entity = {
            "ParentId": {"Id": record.id, "EntityName": "Contacts"},
            "VerbId": {"Id": await self._email_verb(), "Title": self.options.activity_type},
            "Subject": _subject(activity),
            "Html": "<p>" + html.escape(text).replace("\n", "<br>") + "</p>",
            "Display": text,
            "When": _iso(activity.occurred_at),
            "Completed": True,
            "IsEngagement": activity.kind is ActivityKind.REPLIED,
        }
        new_id = await self._data(
            "POST", "activities", json={"entity": entity}, idempotent=False, op="log activity"
        )
        return _require_id(new_id, "log activity")

    async def activity_exists(self, record: CrmRecord, marker: str) -> bool:
        tag = marker_tag(marker)
        async for activity in self._paginate("activities", {"parent_ids": record.id}):
            parent = activity.get("ParentId") or {}
            if str(parent.get("Id", "")).lower() != record.id.lower():
                continue
            text = f"{activity.get('Display') or ''} {activity.get('Html') or ''}"
            if tag in html.unescape(text):
                return True
        return False

    async def list_jobs(self, query: str = "") -> list[CrmJob]:
        jobs = [
            CrmJob(_require_id(job.get("Id"), "list jobs"), str(job.get("Name") or ""), "Open")
            async for job in self._paginate("jobs", {})
            if not job.get("ClosedOn") and not job.get("IsOnHold")
        ]
        return matching_jobs(jobs, query)

    async def describe_fields(self, record_type: str) -> list[FieldSpec]:
        self.check_record_type(record_type)
        fields = {f.name: f for f in STANDARD_FIELDS}
        info = await self._data_unless_missing("GET", "contacts/info", op="describe contact fields")
        for item in (info.get("Fields") or []) if isinstance(info, dict) else []:
            if isinstance(item, dict) and item.get("Name") and item["Name"] not in fields:
                fields[item["Name"]] = FieldSpec(
                    name=str(item["Name"]),
                    label=str(item.get("DisplayName") or item["Name"]),
                    type=FIELD_TYPES.get(str(item.get("FieldType")), "string"),
                    required=bool(item.get("Required")),
                )
        return list(fields.values())

    # --- ListSource ---------------------------------------------------------------------------

    async def list_lists(self) -> list[CrmList]:
        lists = [
            CrmList(id=str(tag["Title"]), name=str(tag["Title"]))
            async for tag in self._paginate("tags", {})
            if tag.get("Title")
        ]
        return sorted(lists, key=lambda item: item.name.casefold())

    async def list_members(self, list_id: str) -> list[ListMember]:
        members = []
        async for contact in self._paginate("contacts", {"tag_names": list_id}):
            emails = _emails_in_order(contact)
            members.append(
                ListMember(
                    record_id=_require_id(contact.get("Id"), "list members"),
                    email=emails[0] if emails else None,
                    record_type=self._type_name(contact),
                    first_name=contact.get("FirstName"),
                    last_name=contact.get("LastName"),
                    url=self._url(str(contact["Id"])),
                )
            )
        return members

    # --- StatusAdvancer -----------------------------------------------------------------------

    async def list_statuses(self) -> list[CrmStatus]:
        params = {}
        if self.options.workflow_type_id:
            params["workflow_type_ids"] = self.options.workflow_type_id
        rows = [row async for row in self._paginate("workflowstatuses", params)]
        rows.sort(key=lambda r: (r.get("SortOrder") is None, r.get("SortOrder") or 0))
        return [CrmStatus(str(r["Id"]), str(r.get("Name") or "")) for r in rows if r.get("Id")]

    async def set_status(self, record: CrmRecord, status: CrmStatus, job_id: str | None) -> None:
        if not job_id:
            raise ValidationError(
                "Crelate keeps statuses on a job's pipeline, and this contact's sequence has "
                "no job. Pick a default job or a job for the sequence."
            )
        await self._put_on_job(record.id, job_id, {"statusId": status.id}, "set status")

    # --- helpers ------------------------------------------------------------------------------

    def _bits(self, record_types: Sequence[str]) -> int:
        bits = 0
        for name in record_types:
            self.check_record_type(name)
            bits |= self.options.record_type_bits[name]
        return bits

    def _type_name(self, contact: Mapping[str, Any]) -> str:
        value = int(contact.get("RecordType") or 0)
        for name, bit in self.options.record_type_bits.items():
            if value & bit:
                return name
        return RECORD_TYPES[0]

    def _record(self, contact: Mapping[str, Any]) -> CrmRecord:
        contact_id = _require_id(contact.get("Id"), "find contact")
        name = " ".join(str(p) for p in (contact.get("FirstName"), contact.get("LastName")) if p)
        return CrmRecord(
            id=contact_id,
            record_type=self._type_name(contact),
            emails=tuple(_emails_in_order(contact)),
            name=name,
            url=self._url(contact_id),
        )

    def _url(self, contact_id: str) -> str:
        app = self.options.app_url or str(httpx.URL(self.base_url).copy_with(path="/"))
        return f"{app.rstrip('/')}/go#stage/_Contacts/DefaultView/{contact_id}"

    async def _lookup(self, emails: list[str]) -> list[dict[str, Any]]:
        params = {"emails": ",".join(emails), "limit": PAGE_LIMIT}
        data = await self._data("GET", "contacts", params=params, op="find contacts by email")
        return [c for c in data or [] if isinstance(c, dict)]

    async def _on_job(self, contact_id: str, job_id: str) -> bool:
        params = {"job_ids": job_id, "ids": contact_id, "limit": 1}
        data = await self._data("GET", "contacts", params=params, op="read job pipeline")
        return any(
            isinstance(c, dict) and str(c.get("Id", "")).lower() == contact_id.lower()
            for c in data or []
        )

    async def _put_on_job(self, contact_id: str, job_id: str, body: dict, op: str) -> None:
        # Posting the same stage twice is harmless (an upsert), so this may be retried.
        await self._data(
            "POST", f"jobs/{job_id}/contacts", params={"contact_ids": contact_id}, json=body, op=op
        )

    async def _email_verb(self) -> str:
        if self._verb_id is None:
            name = self.options.activity_type.casefold()
            async for verb in self._paginate("activitytypes", {}):
                if str(verb.get("Name") or "").casefold() == name and verb.get("Id"):
                    self._verb_id = str(verb["Id"])
                    break
            else:
                raise ConfigError(
                    f"Crelate has no activity type named '{self.options.activity_type}'. "
                    "Create it in Crelate (or set CRELATE_ACTIVITY_TYPE) to log email activity."
                )
        return self._verb_id

    async def _data(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotent: bool = True,
        op: str | None = None,
    ) -> Any:
        op = op or f"{method} /{path}"
        envelope = await self.request_json(
            method, path, op=op, params=params, json=json, idempotent=idempotent
        )
        if not isinstance(envelope, dict) or "Data" not in envelope:
            raise SystemError_(f"Crelate answered {op} without its Data envelope.")
        return envelope["Data"]

    async def _data_unless_missing(self, method: str, path: str, **kw: Any) -> Any:
        """``_data`` for endpoints inferred rather than documented: None when one is missing
        (HTTP 404), so the caller can fall back."""
        try:
            return await self._data(method, path, **kw)
        except ValidationError as exc:
            if exc.status != 404:
                raise
            return None

    def _paginate(self, path: str, params: Mapping[str, Any]) -> AsyncIterator[dict[str, Any]]:
        async def fetch(page: PageRequest) -> Any:
            return await self.request_json(
                "GET", path, op=f"list {path}", params={**params, **page.fields}
            )

        return self.pages(PAGES, fetch, f"list {path}")


# --- pure helpers -----------------------------------------------------------------------------


def _require_id(value: Any, op: str) -> str:
    if isinstance(value, str) and value:
        return value.lower()
    raise SystemError_(f"Crelate answered {op} without an id.")


def _emails_in_order(contact: Mapping[str, Any]) -> list[str]:
    slots = [contact.get(slot) for slot in EMAIL_SLOTS]
    values = [s.get("Value") for s in slots if isinstance(s, dict)]
    return unique_emails(v for v in values if isinstance(v, str))


def _emails_of(contact: Mapping[str, Any]) -> set[str]:
    return set(_emails_in_order(contact))


def _modified(contact: Mapping[str, Any]) -> str:
    return str(contact.get("ModifiedOn") or contact.get("CreatedOn") or "")


def contact_entity(contact: ContactData, record_type_bits: int) -> dict[str, Any]:
    """The ``entity`` of ``POST /contacts``; optional fields only when they have a value, and
    the teammate's mapped fields (``crm_fields``) over the defaults."""
    first, last = contact.first_name, contact.last_name
    if not first and not last:
        last = contact.full_name
    entity: dict[str, Any] = {
        "FirstName": first,
        "LastName": last,
        "RecordType": record_type_bits,
        "EmailAddresses_Work": {"Value": contact.email, "IsPrimary": True},
    }
    phone = (contact.phone or "").strip()
    if phone and E164ISH.match(phone):
        entity["PhoneNumbers_Mobile"] = {"Value": phone, "IsPrimary": True}
    if contact.linkedin_url and contact.linkedin_url.strip():
        entity["Websites_LinkedIn"] = {"Value": contact.linkedin_url.strip(), "IsPrimary": True}
    if contact.title:
        entity["CurrentPosition"] = {"JobTitle": contact.title}
    if contact.location:
        entity["Addresses_Home"] = {"City": contact.location, "IsPrimary": True}
    entity.update(contact.crm_fields)
    return {k: v for k, v in entity.items() if v is not None}


def _subject(activity: ActivityRecord) -> str:
    verb = verb_of(activity.kind)
    if activity.subject:
        return f"{verb}: {' '.join(activity.subject.split())}"[:250]
    return verb


def activity_text(activity: ActivityRecord) -> str:
    """What the recruiter reads on the timeline, ending with the marker used to find it."""
    verb = verb_of(activity.kind)
    if activity.kind is ActivityKind.REPLIED and activity.sentiment:
        verb = f"{verb} ({activity.sentiment.replace('_', ' ')})"
    line = f"{verb} in sequence '{activity.sequence_name}'"
    snippet = " ".join((activity.snippet or "").split())[:500]
    if snippet:
        line += f": {snippet}"
    return f"{line}\n\n{marker_tag(activity.marker)}"


def _iso(moment: datetime) -> str:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
