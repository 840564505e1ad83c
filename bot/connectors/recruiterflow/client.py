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

Inferred, so configurable (constructor parameters) rather than relied on blindly:

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
from datetime import UTC, datetime
from typing import Any

import httpx

from bot.connectors.activity_text import activity_lines, marker_tag
from bot.connectors.base import (
    ActivityRecord,
    Capability,
    ContactData,
    CrmIdentity,
    CrmJob,
    CrmRecord,
    FieldSpec,
    create_each,
)
from bot.connectors.errors import (
    AuthError,
    ConfigError,
    ConnectorError,
    SystemError_,
    ValidationError,
)
from bot.connectors.http import HttpClient, RetryPolicy, error_for_status, retry_after_seconds

__all__ = [
    "CANDIDATE",
    "CONTACT",
    "CUSTOM_PREFIX",
    "RecruiterflowConnector",
    "activity_text",
    "classify_response",
    "marker_tag",
]

log = logging.getLogger(__name__)

VENDOR = "Recruiterflow"
API_PREFIX = "api/external"
CANDIDATE = "Candidate"
CONTACT = "Contact"
ENTITY = {CANDIDATE: "candidate", CONTACT: "contact"}
CUSTOM_PREFIX = "custom_fields."
PAGE_SIZE = 100
MAX_PAGES = 10_000
MESSAGE_CHARS = 300

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


class RecruiterflowConnector:
    """One teammate's Recruiterflow API key behind the Connector contract."""

    kind = "recruiterflow"
    display_name = VENDOR
    record_types: tuple[str, ...] = (CANDIDATE, CONTACT)
    capabilities = frozenset({Capability.JOBS, Capability.ACTIVITY, Capability.FIELD_MAPPING})
    find_batch_size = 25
    create_batch_size = 1

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str,
        transport: httpx.AsyncBaseTransport | None = None,
        retry_wait: float | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
        email_filter_key: str = "email",
        email_filter_operator: str = "in",
        activity_type_name: str = "Outreach email",
        source: str = "Outreach sequence",
    ):
        api_key = api_key.strip()
        if retry is None and retry_wait is not None:
            retry = RetryPolicy.capped(retry_wait)
        self.base_url = base_url.rstrip("/")
        self.email_filter_key = email_filter_key
        self.email_filter_operator = email_filter_operator
        self.activity_type_name = activity_type_name
        self.source = source
        self._activity_type_ids: dict[str, int | None] = {}
        self._http = HttpClient(
            vendor=VENDOR,
            base_url=f"{self.base_url}/{API_PREFIX}",
            headers={"RF-Api-Key": api_key, "Accept": "application/json"},
            transport=transport,
            timeout=timeout,
            retry=retry,
            secrets=(api_key,),
            classify=classify_response,
            credential="API key",
        )

    def __repr__(self) -> str:
        return f"RecruiterflowConnector(base_url={self.base_url!r})"

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- Connector ----------------------------------------------------------------------------

    async def verify(self) -> CrmIdentity:
        info = await self._json("POST", "info", json={})
        data = info.get("data") if isinstance(info, dict) else None
        name = data.get("display_name") if isinstance(data, dict) else None
        label = f"Recruiterflow ({name})" if name else "Recruiterflow API key"
        return CrmIdentity(label=label, account_id=name)

    async def find_by_emails(
        self, emails: Sequence[str], record_types: Sequence[str] | None = None
    ) -> dict[str, CrmRecord]:
        wanted = list(dict.fromkeys(e.strip().lower() for e in emails if e and e.strip()))
        found: dict[str, CrmRecord] = {}
        for record_type in record_types or self.record_types:
            if record_type not in ENTITY:
                continue
            missing = [e for e in wanted if e not in found]
            if missing:
                for record in await self._search(record_type, missing):
                    for email in record.emails:
                        if email in missing and email not in found:
                            found[email] = record
        return found

    async def create(self, contact: ContactData, record_type: str) -> CrmRecord:
        entity = self._entity(record_type)
        body = person_body(contact, record_type, self.source)
        answer = await self._json("POST", f"{entity}/add", json=body, idempotent=False)
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

    async def create_many(
        self, contacts: Sequence[ContactData], record_type: str
    ) -> list[CrmRecord | ConnectorError]:
        return await create_each(self, contacts, record_type)

    async def assign_to_job(self, record: CrmRecord, job_id: str) -> None:
        if record.record_type == CONTACT:
            log.info("Recruiterflow puts only candidates on jobs; contact left off the job")
            return
        if job_id in record.job_ids or job_id in await self._jobs_of(record.id):
            return
        body = {"id": _int(record.id), "job_id": _int(job_id)}
        try:
            await self._json("POST", "candidate/add-to-job", json=body, idempotent=False)
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
            answer = await self._json("POST", f"{entity}/notes/add", json=body, idempotent=False)
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
        answer = await self._json("POST", "custom-activity/create", json=body, idempotent=False)
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
        needle = query.strip().casefold()
        jobs = []
        async for job in self._pages("job/list", {"only_open": 1}):
            title = str(_clean(job.get("name")) or _clean(job.get("title")) or "")
            if job.get("is_open", True) and needle in title.casefold() and job.get("id"):
                jobs.append(CrmJob(str(job["id"]), title, "Open"))
        return sorted(jobs, key=lambda j: j.title.casefold())

    async def describe_fields(self, record_type: str) -> list[FieldSpec]:
        entity = self._entity(record_type)
        fields = list(STANDARD_FIELDS)
        answer = await self._json("GET", f"{entity}/custom-field/list")
        for custom in _items(answer):
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
        try:
            return ENTITY[record_type]
        except KeyError:
            raise ConfigError(
                f"Recruiterflow records people as Candidate or Contact, not as {record_type}."
            ) from None

    async def _json(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        idempotent: bool = True,
    ) -> Any:
        response = await self._http.request(
            method, path, op=path, json=json, params=params, idempotent=idempotent
        )
        try:
            return response.json()
        except ValueError:
            raise SystemError_(f"Recruiterflow answered {path} with something not JSON.") from None

    async def _search(self, record_type: str, emails: list[str]) -> list[CrmRecord]:
        entity = ENTITY[record_type]
        email_filter = {
            "key": self.email_filter_key,
            "type": "text",
            "conjunction": self.email_filter_operator,
            "values": emails,
        }
        records = []
        for page in range(1, MAX_PAGES):
            body = {
                "conjunction": "match-all",
                "current_page": page,
                "items_per_page": PAGE_SIZE,
                "filters": [email_filter],
            }
            rows = _items(await self._json("POST", f"{entity}/search", json=body))
            records += [_record(row, record_type) for row in rows if row.get("id") is not None]
            if len(rows) < PAGE_SIZE:
                return records
        raise SystemError_(f"Recruiterflow returned too many pages for {entity}/search.")

    async def _pages(self, path: str, params: Mapping[str, Any]) -> AsyncIterator[dict[str, Any]]:
        seen = 0
        for page in range(1, MAX_PAGES):
            query = {
                **params,
                "items_per_page": PAGE_SIZE,
                "current_page": page,
                "include_count": "true",
            }
            answer = await self._json("GET", path, params=query)
            rows = _items(answer)
            for row in rows:
                yield row
            seen += len(rows)
            total = answer.get("total_items") if isinstance(answer, dict) else None
            if len(rows) < PAGE_SIZE or (isinstance(total, int) and seen >= total):
                return
        raise SystemError_(f"Recruiterflow returned too many pages for {path}.")

    async def _jobs_of(self, candidate_id: str) -> set[str]:
        answer = await self._json("GET", "candidate/get", params={"id": candidate_id})
        if isinstance(answer, dict) and isinstance(answer.get("candidate"), dict):
            answer = answer["candidate"]
        if isinstance(answer, list):
            answer = answer[0] if answer else {}
        jobs = answer.get("jobs") if isinstance(answer, dict) else None
        return {str(j.get("job_id")) for j in jobs or [] if isinstance(j, dict)}

    async def _activity_type_id(self, entity: str) -> int | None:
        if entity not in self._activity_type_ids:
            answer = await self._json("GET", f"{entity}/activity-type/list")
            wanted = self.activity_type_name.casefold()
            self._activity_type_ids[entity] = next(
                (
                    t["id"]
                    for t in _items(answer)
                    if t.get("is_custom") and str(t.get("name", "")).casefold() == wanted
                ),
                None,
            )
        return self._activity_type_ids[entity]


# --- pure helpers -----------------------------------------------------------------------------


def classify_response(response: httpx.Response, op: str) -> ConnectorError | None:
    """HTTP status plus Recruiterflow's ``RESULT``/``message`` bodies."""
    body = _json_or_none(response)
    message = _message(body)
    failed = isinstance(body, dict) and body.get("RESULT") == "FAILURE"
    status = response.status_code
    if response.is_success and not failed:
        return None
    if status == 401 or (status == 400 and message and "api key" in message.lower()):
        return AuthError(
            f"Recruiterflow rejected the API key (HTTP {status}). Ask Recruiterflow support "
            "for a valid key and reconnect.",
            status=status,
        )
    if status == 403:
        said = f" Recruiterflow said: {message}" if message else ""
        return ConfigError(f"Recruiterflow refused {op} (HTTP 403).{said}", status=status)
    if response.is_success or (status == 404 and failed):
        said = f" Recruiterflow said: {message}" if message else ""
        return ValidationError(f"Recruiterflow refused {op}.{said}", status=status)
    return error_for_status(
        VENDOR,
        status,
        op=op,
        detail=message,
        retry_after=retry_after_seconds(response),
        credential="API key",
    )


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
            emails.append(value.strip().lower())
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


def _items(answer: Any) -> list[dict[str, Any]]:
    rows = answer.get("data") if isinstance(answer, dict) else answer
    if not isinstance(rows, list):
        raise SystemError_("Recruiterflow answered a list call without a list.")
    return [row for row in rows if isinstance(row, dict)]


def _clean(value: Any) -> Any:
    """Recruiterflow writes missing values as the string ``"None"`` in some answers."""
    return None if value in (None, "None", "") else value


def _int(value: str) -> int | str:
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _message(body: Any) -> str | None:
    if not isinstance(body, dict) or not body.get("message"):
        return None
    text = " ".join(str(body["message"]).split())
    return text[:MESSAGE_CHARS]
