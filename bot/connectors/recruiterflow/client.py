"""Recruiterflow connector: candidates or client contacts, jobs (add-to-job) and activities.

Vendor facts relied on (vendor notes section 3 and ``recruiterflow-openapi.json``):

* Every call carries the key in the ``RF-Api-Key`` header; paths live under ``/api/external``.
  ``POST /info`` answers ``{"data": {"display_name": ...}}`` and is the key check.
* A missing key is HTTP 400 ``{"message": "Please supply an API key"}``, a wrong key HTTP 401
  ``{"message": "Invalid API key"}``; failed writes say ``{"RESULT": "FAILURE", "message"}``
  with 400/404, and 403 when a referenced user is not in the account.
* Writes answer ``{"RESULT": "SUCCESS"}``, creates add ``"data": {"id": n}``; ids are integers.
* Lists are a bare array unless ``include_count=true``, then ``{"data": [...], "total_items"}``;
  pages are ``items_per_page`` (100 is the practical cap) and 1-based ``current_page``.
* Candidates and client contacts are separate entities (``/candidate/*`` and ``/contact/*``),
  each with ``/add``, ``/search``, ``/get``, ``/custom-field/list``, ``/notes/add`` and
  ``/activity/list``; ``/candidate/add-to-job`` puts a candidate in the job's "Sourced" stage.
* Only custom activity types (``is_custom``) can be created, via ``/custom-activity/create``.
* ``"None"`` strings stand in for nulls in some search answers; emails may be objects
  ``{"email", "is_primary"}`` or plain strings.

Inferred, so configurable (:class:`RecruiterflowOptions`) rather than relied on blindly:

* The search filter for emails (``email_filter_key``/``email_filter_operator``, default
  ``email`` / ``in`` with all the batch's emails): matches are re-checked here against the
  record's emails, case-insensitively, so a looser server match does no harm.
* The activity type used for logging (``activity_type_name``): when no custom type of that
  name exists, the activity is written as a note instead (notes show in the activity list).
* Whether adding a candidate to a job twice is refused: the record's ``jobs`` are checked
  first and again after a refusal, so no error text is relied on.
* Client contacts cannot be put on jobs; assigning one is a logged no-op, not a failure.
* The search index lags behind creates, so a created record's id is kept, never re-searched.
* Activities end with ``[crm-sync:<marker>]`` so an in-doubt write can be found again.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.connectors.activity_text import activity_lines, marker_tag
from bot.connectors.base import (
    ActivityRecord,
    Capability,
    ContactData,
    CrmIdentity,
    CrmJob,
    CrmRecord,
    FieldSpec,
)
from bot.connectors.error_map import SUCCESS, ErrorRule, ErrorTable, Failure
from bot.connectors.errors import AuthError, ConfigError, SystemError_, ValidationError
from bot.connectors.paging import PageNumber, PageRequest, records
from bot.connectors.skeleton import (
    ApiKeyConnector,
    ServiceOptions,
    matching_jobs,
    normalise_email,
    unique_emails,
)

__all__ = [
    "CANDIDATE",
    "CONTACT",
    "CUSTOM_PREFIX",
    "ERRORS",
    "RecruiterflowConnector",
    "RecruiterflowOptions",
    "activity_text",
    "marker_tag",
]

log = logging.getLogger(__name__)

VENDOR = "Recruiterflow"
API_PREFIX = "api/external"
CANDIDATE = "Candidate"
CONTACT = "Contact"
ENTITY = {CANDIDATE: "candidate", CONTACT: "contact"}
CUSTOM_PREFIX = "custom_fields."
# GET lists answer a bare array unless include_count is asked for; searches (POST) page in
# the body and never count.
PAGES = PageNumber(
    page_param="current_page",
    size_param="items_per_page",
    size=100,
    total_at=("total_items",),
    records_key="data",
)

STANDARD_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("first_name", "First name", "string"),
    FieldSpec("last_name", "Last name", "string"),
    FieldSpec("title", "Title", "string"),
    FieldSpec("organization", "Organization", "string"),
    FieldSpec("linkedin_profile", "LinkedIn profile", "url"),
    FieldSpec("source", "Source", "string"),
)

FIELD_TYPES = {
    "single_select": "picklist",
    "multi_select": "multipicklist",
    "short_text": "string",
    "long_text": "text",
    "text": "string",
    "number": "number",
    "date": "date",
    "yes_no": "boolean",
    "money": "currency",
}


def _message(body: Any) -> tuple[None, str | None]:
    message = body.get("message") if isinstance(body, dict) else None
    return None, str(message) if message else None


def _result_failed(body: Any) -> bool:
    return isinstance(body, dict) and body.get("RESULT") == "FAILURE"


def _mentions_api_key(failure: Failure) -> bool:
    return "api key" in (failure.message or "").lower()


BAD_KEY = (
    "Recruiterflow rejected the API key (HTTP {status}). Ask Recruiterflow support for a valid "
    "key and reconnect."
)
REFUSED = "Recruiterflow refused {op}.{said}"

# HTTP status plus Recruiterflow's RESULT/message bodies: a write can fail inside an HTTP 200.
ERRORS = ErrorTable(
    vendor=VENDOR,
    credential="API key",
    read=_message,
    failed=lambda response, body: not response.is_success or _result_failed(body),
    rules=(
        ErrorRule(AuthError, BAD_KEY, status=401),
        ErrorRule(AuthError, BAD_KEY, status=400, when=_mentions_api_key),  # no key sent
        ErrorRule(ConfigError, "Recruiterflow refused {op} (HTTP 403).{said}", status=403),
        ErrorRule(ValidationError, REFUSED, status=SUCCESS),
        ErrorRule(ValidationError, REFUSED, status=404, when=lambda f: _result_failed(f.body)),
    ),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class RecruiterflowOptions(ServiceOptions):
    """The API address and the inferred facts above."""

    base_url: str = "https://api.recruiterflow.com"
    email_filter_key: str = "email"
    email_filter_operator: str = "in"
    activity_type_name: str = "Outreach email"
    source: str = "Outreach sequence"


class RecruiterflowConnector(ApiKeyConnector):
    """One teammate's Recruiterflow API key behind the Connector contract."""

    kind = "recruiterflow"
    display_name = VENDOR
    record_types = (CANDIDATE, CONTACT)
    capabilities = frozenset({Capability.JOBS, Capability.ACTIVITY, Capability.FIELD_MAPPING})
    options_type = RecruiterflowOptions
    errors = ERRORS
    key_header = "RF-Api-Key"
    api_path = API_PREFIX
    options: RecruiterflowOptions

    def __init__(self, api_key: str, **kwargs: Any):
        super().__init__(api_key, **kwargs)
        self._activity_type_ids: dict[str, int | None] = {}

    # --- Connector ----------------------------------------------------------------------------

    async def verify(self) -> CrmIdentity:
        info = await self.request_json("POST", "info", json={})
        data = info.get("data") if isinstance(info, dict) else None
        name = data.get("display_name") if isinstance(data, dict) else None
        label = f"Recruiterflow ({name})" if name else "Recruiterflow API key"
        return CrmIdentity(label=label, account_id=name)

    async def find_by_emails(
        self, emails: Sequence[str], record_types: Sequence[str] | None = None
    ) -> dict[str, CrmRecord]:
        wanted = unique_emails(emails)
        found: dict[str, CrmRecord] = {}
        for record_type in self.searched_types(record_types):
            missing = [e for e in wanted if e not in found]
            if missing:
                for record in await self._search(record_type, missing):
                    for email in record.emails:
                        if email in missing and email not in found:
                            found[email] = record
        return found

    async def create(self, contact: ContactData, record_type: str) -> CrmRecord:
        entity = self._entity(record_type)
        body = person_body(contact, record_type, self.options.source)
        answer = await self.request_json("POST", f"{entity}/add", json=body, idempotent=False)
        data = answer.get("data") if isinstance(answer, dict) else None
        record_id = data.get("id") if isinstance(data, dict) else None
        if record_id is None:
            raise SystemError_(f"Recruiterflow answered {entity}/add without an id.")
        return CrmRecord(
            id=str(record_id),
            record_type=record_type,
            emails=(contact.email,),
            name=contact.full_name,
        )

    async def assign_to_job(self, record: CrmRecord, job_id: str) -> None:
        if record.record_type == CONTACT:
            log.info("Recruiterflow puts only candidates on jobs; contact left off the job")
            return
        if job_id in record.job_ids or job_id in await self._jobs_of(record.id):
            return
        body = {"id": _int(record.id), "job_id": _int(job_id)}
        try:
            await self.request_json("POST", "candidate/add-to-job", json=body, idempotent=False)
        except ValidationError:
            if job_id in await self._jobs_of(record.id):
                return
            raise

    async def log_activity(self, record: CrmRecord, activity: ActivityRecord) -> str:
        entity = self._entity(record.record_type)
        text = activity_text(activity)
        type_id = await self._activity_type_id(entity)
        if type_id is None:
            body = {"id": _int(record.id), "value": text}
            answer = await self.request_json(
                "POST", f"{entity}/notes/add", json=body, idempotent=False
            )
            note_id = answer.get("note_id") if isinstance(answer, dict) else None
            if note_id is None:
                raise SystemError_(f"Recruiterflow answered {entity}/notes/add without an id.")
            return f"note:{note_id}"
        body = {
            "activity_type_id": type_id,
            "activity_text": text,
            "activity_time": rf_time(activity.occurred_at),
            "associated_entities": {f"{entity}s": [_int(record.id)]},
        }
        answer = await self.request_json(
            "POST", "custom-activity/create", json=body, idempotent=False
        )
        data = answer.get("data") if isinstance(answer, dict) else None
        activity_id = data.get("activity_id") if isinstance(data, dict) else None
        if activity_id is None:
            raise SystemError_("Recruiterflow answered custom-activity/create without an id.")
        return str(activity_id)

    async def activity_exists(self, record: CrmRecord, marker: str) -> bool:
        entity = self._entity(record.record_type)
        tag = marker_tag(marker)
        async for item in self._pages(f"{entity}/activity/list", {"id": record.id}):
            if tag in str(item.get("text") or "") or tag in str(item.get("subject") or ""):
                return True
        return False

    async def list_jobs(self, query: str = "") -> list[CrmJob]:
        jobs = [
            CrmJob(str(job["id"]), str(_clean(job.get("name")) or _clean(job.get("title")) or ""))
            async for job in self._pages("job/list", {"only_open": 1})
            if job.get("is_open", True) and job.get("id")
        ]
        return matching_jobs(jobs, query)

    async def describe_fields(self, record_type: str) -> list[FieldSpec]:
        entity = self._entity(record_type)
        fields = list(STANDARD_FIELDS)
        path = f"{entity}/custom-field/list"
        for custom in records(
            await self.request_json("GET", path), "data", vendor=VENDOR, what=path
        ):
            choices = tuple(str(c.get("name")) for c in custom.get("choices") or [])
            fields.append(
                FieldSpec(
                    f"{CUSTOM_PREFIX}{custom.get('id')}",
                    str(custom.get("name") or custom.get("id")),
                    FIELD_TYPES.get(str(custom.get("type")), "string"),
                    picklist=choices,
                )
            )
        return fields

    # --- helpers ------------------------------------------------------------------------------

    def _entity(self, record_type: str) -> str:
        self.check_record_type(record_type)
        return ENTITY[record_type]

    async def _search(self, record_type: str, emails: list[str]) -> list[CrmRecord]:
        path = f"{ENTITY[record_type]}/search"
        email_filter = {
            "key": self.options.email_filter_key,
            "type": "text",
            "conjunction": self.options.email_filter_operator,
            "values": emails,
        }

        async def fetch(page: PageRequest) -> Any:
            body = {"conjunction": "match-all", **page.fields, "filters": [email_filter]}
            return await self.request_json("POST", path, json=body)

        return [
            _record(row, record_type)
            async for row in self.pages(PAGES, fetch, path)
            if row.get("id") is not None
        ]

    def _pages(self, path: str, params: Mapping[str, Any]) -> AsyncIterator[dict[str, Any]]:
        async def fetch(page: PageRequest) -> Any:
            query = {**params, **page.fields, "include_count": "true"}
            return await self.request_json("GET", path, params=query)

        return self.pages(PAGES, fetch, path)

    async def _jobs_of(self, candidate_id: str) -> set[str]:
        answer = await self.request_json("GET", "candidate/get", params={"id": candidate_id})
        if isinstance(answer, dict) and isinstance(answer.get("candidate"), dict):
            answer = answer["candidate"]
        if isinstance(answer, list):
            answer = answer[0] if answer else {}
        jobs = answer.get("jobs") if isinstance(answer, dict) else None
        return {str(j.get("job_id")) for j in jobs or [] if isinstance(j, dict)}

    async def _activity_type_id(self, entity: str) -> int | None:
        if entity not in self._activity_type_ids:
            path = f"{entity}/activity-type/list"
            types = records(await self.request_json("GET", path), "data", vendor=VENDOR, what=path)
            wanted = self.options.activity_type_name.casefold()
            self._activity_type_ids[entity] = next(
                (
                    t["id"]
                    for t in types
                    if t.get("is_custom") and str(t.get("name", "")).casefold() == wanted
                ),
                None,
            )
        return self._activity_type_ids[entity]


# --- pure helpers -----------------------------------------------------------------------------


def person_body(contact: ContactData, record_type: str, source: str) -> dict[str, Any]:
    """The add body for a candidate or contact; mapped ``crm_fields`` win over defaults."""
    body: dict[str, Any] = {
        "first_name": contact.first_name or contact.full_name,
        "last_name": contact.last_name or "",
        "email": [{"email": contact.email, "is_primary": 1}],
        "source": source,
    }
    if record_type == CANDIDATE:
        body["name"] = contact.full_name
    if contact.phone:
        body["phone_number"] = [{"phone_number": contact.phone}]
    if contact.title:
        body["title"] = contact.title
    if contact.company:
        body["organization"] = contact.company
        if record_type == CONTACT:
            body["client_company"] = contact.company
    if contact.linkedin_url:
        body["linkedin_profile"] = contact.linkedin_url
    if contact.location:
        body["location"] = {"location": contact.location}
    custom = []
    for name, value in contact.crm_fields.items():
        if name.startswith(CUSTOM_PREFIX):
            custom.append({"id": _int(name.removeprefix(CUSTOM_PREFIX)), "value": value})
        else:
            body[name] = value
    if custom:
        body["custom_fields"] = custom
    return body


def activity_text(activity: ActivityRecord) -> str:
    return "\n".join(activity_lines(activity))


def rf_time(moment: datetime) -> str:
    """Recruiterflow's timestamp style: ``2021-01-12T10:16:16+0000``."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _record(row: Mapping[str, Any], record_type: str) -> CrmRecord:
    emails = []
    for entry in _list(row.get("email")):
        value = entry.get("email") if isinstance(entry, dict) else entry
        if isinstance(value, str) and _clean(value):
            emails.append(normalise_email(value))
    jobs = tuple(str(j.get("job_id")) for j in _list(row.get("jobs")) if isinstance(j, dict))
    return CrmRecord(
        id=str(row["id"]),
        record_type=record_type,
        emails=tuple(emails),
        name=str(_clean(row.get("name")) or ""),
        job_ids=jobs,
    )


def _list(value: Any) -> list[Any]:
    """A list field, or empty when the answer has ``None``, ``"None"`` or a lone value."""
    return value if isinstance(value, list) else []


def _clean(value: Any) -> Any:
    """Recruiterflow writes missing values as the string ``"None"`` in some answers."""
    return None if value in (None, "None", "") else value


def _int(value: str) -> int | str:
    try:
        return int(value)
    except (TypeError, ValueError):
        return value
