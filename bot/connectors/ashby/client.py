"""Ashby connector: candidates, job assignment (applications) and activity notes.

Vendor facts relied on (vendor notes PART B and ``ashby-openapi.json``):

* Every call is ``POST {base}/<category>.<method>`` with a JSON body and Basic auth with the API
  key as username and an empty password; the docs send ``Accept: application/json; version=1``.
* Missing key → HTTP 401, wrong or deactivated key → 403, key without the module permission →
  403 ``missing_endpoint_permission``; the permission each method needs is in :data:`PERMISSIONS`.
* Failures usually come as HTTP 200 with ``success: false``: read ``errorInfo{code,message}``
  and, for older answers, the deprecated ``errors`` list (strings or ``{message, parameter}``).
* Rate limits are HTTP 429 (``rate_limit_exceeded`` / ``concurrent_limit_exceeded``) with no
  published numbers; ``Retry-After`` is honoured when present, else backoff with jitter.
* ``candidate.search {email}`` returns at most 100 candidates and has undocumented match
  semantics, so matches are re-checked here against every ``emailAddresses[].value``,
  case-insensitively, preferring the most recently updated candidate.
* ``candidate.create`` does not dedupe (callers find first); ``linkedInUrl`` must be a valid URL;
  ``location`` takes ``{city, region, country}``.
* Cursor paging: ``limit`` ≤ 100, loop while ``moreDataAvailable`` using ``nextCursor``;
  ``job.list`` returns Open/Closed/Archived unless ``status`` is given.
* ``candidate.createNote`` takes a plain-string note and an optional ``createdAt`` (backdating);
  ``candidate.listNotes`` pages through a candidate's notes.
* ``apiKey.info`` needs ``apiKeysRead``; without it ``job.list {limit: 1}`` proves the key works.

Inferred or chosen here:

* Re-applying a candidate to a job is undocumented (expected ``success: false``); assignment
  checks the candidate's applications first and, if the create is refused, checks again and
  treats "already there" as success, so no error text is relied on.
* Candidates carry ``applicationIds`` but not job ids, so found records have empty ``job_ids``
  (resolving them costs one call per application); :meth:`AshbyConnector.assign_to_job` checks.
* The free-text location goes into ``location.city``; LinkedIn URLs without a scheme get
  ``https://``; anything still not a URL is left out rather than failing the whole create.
* Activity notes end with ``[crm-sync:<marker>]`` so an in-doubt write can be found again.
* Mapped values: standard fields (name, phoneNumber, linkedInUrl, location) go into
  ``candidate.create``; custom fields cannot (vendor notes: "No tags/custom fields here"), so
  each is written with ``customField.setValue {objectId, objectType: Candidate, fieldId,
  fieldValue}`` right after the create.
* Field types are reported in a small vocabulary (string, text, email, phone, url, number,
  boolean, date, picklist, multipicklist, currency, number_range, compensation_range).
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

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
    CrmRecord,
    FieldSpec,
)
from bot.connectors.error_map import SUCCESS, ErrorRule, ErrorTable, Failure, short
from bot.connectors.errors import (
    AuthError,
    RateLimitError,
    SystemError_,
    TransientError,
    ValidationError,
)
from bot.connectors.http import bounded_gather
from bot.connectors.paging import Cursor, PageRequest
from bot.connectors.skeleton import (
    ApiKeyConnector,
    ServiceOptions,
    matching_jobs,
    normalise_email,
    unique_emails,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "ERRORS",
    "PERMISSIONS",
    "AshbyConnector",
    "AshbyOptions",
    "candidate_body",
    "error_info",
    "marker_tag",
    "note_text",
    "valid_url",
]

DEFAULT_BASE_URL = "https://api.ashbyhq.com"
VENDOR = "Ashby"
CANDIDATE = "Candidate"
SNIPPET_CHARS = 500
PAGES = Cursor(
    cursor_at="nextCursor",
    cursor_param="cursor",
    more_at="moreDataAvailable",
    size_param="limit",
    size=100,
    records_key="results",
)

log = logging.getLogger(__name__)

PERMISSIONS: dict[str, str] = {
    "apiKey.info": "apiKeysRead",
    "candidate.search": "candidatesRead",
    "candidate.info": "candidatesRead",
    "candidate.list": "candidatesRead",
    "candidate.listNotes": "candidatesRead",
    "application.info": "candidatesRead",
    "application.list": "candidatesRead",
    "candidate.create": "candidatesWrite",
    "candidate.createNote": "candidatesWrite",
    "application.create": "candidatesWrite",
    "job.list": "jobsRead",
    "job.search": "jobsRead",
    "job.info": "jobsRead",
    "customField.list": "hiringProcessMetadataRead",
    "customField.setValue": "candidatesWrite",
}

RATE_LIMIT_CODES = frozenset({"rate_limit_exceeded", "concurrent_limit_exceeded"})
RESTART_CODES = frozenset(
    {
        "next_cursor_expired",
        "invalid_next_cursor",
        "sync_token_expired",
        "sync_token_invalid",
        "incremental_sync_too_large",
    }
)

STANDARD_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("name", "Name", "string", required=True),
    FieldSpec("email", "Email", "email"),
    FieldSpec("phoneNumber", "Phone number", "phone"),
    FieldSpec("linkedInUrl", "LinkedIn URL", "url"),
    FieldSpec("location", "Location (city)", "string"),
)

# Standard candidate fields whose mapped value replaces the default ("email" is handled apart).
MAPPABLE_STANDARD = frozenset({"name", "phoneNumber", "linkedInUrl", "location"})

FIELD_TYPES: dict[str, str] = {
    "String": "string",
    "LongText": "text",
    "Number": "number",
    "Boolean": "boolean",
    "Date": "date",
    "ValueSelect": "picklist",
    "MultiValueSelect": "multipicklist",
    "Currency": "currency",
    "NumberRange": "number_range",
    "CompensationRange": "compensation_range",
}


# --- errors -----------------------------------------------------------------------------------


def error_info(envelope: Any) -> tuple[str | None, str | None]:
    """``(code, message)`` from ``errorInfo``, else from the deprecated ``errors`` list."""
    if not isinstance(envelope, dict):
        return None, None
    info = envelope.get("errorInfo")
    if isinstance(info, dict) and info.get("code"):
        return str(info["code"]), short(info.get("message"))
    errors = envelope.get("errors")
    if not isinstance(errors, list) or not errors:
        return None, None
    texts: list[str] = []
    code: str | None = None
    for error in errors:
        if isinstance(error, str):
            if code is None and re.fullmatch(r"[a-z][a-z0-9_]*", error):
                code = error
            texts.append(error)
        elif isinstance(error, dict):
            code = code or (str(error["code"]) if error.get("code") else None)
            where = f"{error['parameter']}: " if error.get("parameter") else ""
            texts.append(f"{where}{error.get('message') or 'invalid'}")
    return code, short("; ".join(texts))


def _failed(response: httpx.Response, envelope: Any) -> bool:
    """Ashby's envelope on top of HTTP status: HTTP 200 with ``success: false`` fails too."""
    ok = isinstance(envelope, dict) and envelope.get("success") is True
    return not response.is_success or not ok


def _not_an_envelope(failure: Failure) -> bool:
    body = failure.body
    return not isinstance(body, dict) or not isinstance(body.get("success"), bool)


def _permission_reason(failure: Failure) -> str:
    permission = PERMISSIONS.get(failure.op)
    needed = f"the {permission} permission" if permission else "a permission"
    return (
        f"The Ashby API key lacks {needed}, which {failure.op} needs (HTTP {failure.status}). "
        "In Ashby, under Admin > Ashby API > API Keys, give the key that permission (or create "
        "a new key), then reconnect."
    )


ERRORS = ErrorTable(
    vendor=VENDOR,
    credential="API key",
    read=error_info,
    failed=_failed,
    rules=(
        ErrorRule(AuthError, _permission_reason, code="missing_endpoint_permission"),
        ErrorRule(
            AuthError,
            "Ashby rejected the API key (HTTP 401): no usable key reached it. "
            "Paste the key again when reconnecting.",
            status=401,
        ),
        ErrorRule(
            AuthError,
            "Ashby rejected the API key (HTTP 403): it is wrong or has been deactivated. "
            "Create a key in Ashby under Admin > Ashby API > API Keys and reconnect.",
            status=403,
        ),
        # The rows below are failures inside an HTTP 2xx answer.
        ErrorRule(
            SystemError_,
            "Ashby answered {op} with something other than its JSON envelope (HTTP {status}).",
            status=SUCCESS,
            when=_not_an_envelope,
        ),
        ErrorRule(
            RateLimitError,
            "Ashby asked us to slow down ({code}) during {op}.",
            status=SUCCESS,
            code=RATE_LIMIT_CODES,
        ),
        ErrorRule(
            TransientError,
            "Ashby expired the listing position for {op} ({code}); it will start over.",
            status=SUCCESS,
            code=RESTART_CODES,
        ),
        ErrorRule(
            ValidationError,
            "Ashby could not find the record {op} refers to ({code}).{said}",
            status=SUCCESS,
            when=lambda failure: (failure.code or "").endswith("not_found"),
        ),
        ErrorRule(ValidationError, "Ashby refused {op} ({code_label}).{said}", status=SUCCESS),
    ),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class AshbyOptions(ServiceOptions):
    base_url: str = DEFAULT_BASE_URL


class AshbyConnector(ApiKeyConnector):
    """One teammate's Ashby API key behind the :class:`~bot.connectors.base.Connector` contract."""

    kind = "ashby"
    display_name = VENDOR
    record_types = (CANDIDATE,)
    capabilities = frozenset({Capability.JOBS, Capability.ACTIVITY, Capability.FIELD_MAPPING})
    search_concurrency = 4
    options_type = AshbyOptions
    errors = ERRORS
    extra_headers = {"Accept": "application/json; version=1"}  # key_header None: Basic auth
    options: AshbyOptions

    # --- Connector ----------------------------------------------------------------------------

    async def verify(self) -> CrmIdentity:
        try:
            info = await self._results("apiKey.info")
        except AuthError as exc:
            if exc.code != "missing_endpoint_permission":
                raise
            await self._call("job.list", {"limit": 1})
            return CrmIdentity(label="Ashby API key")
        title = info.get("title") if isinstance(info, dict) else None
        return CrmIdentity(label=f"Ashby API key '{title}'" if title else "Ashby API key")

    async def find_by_emails(
        self, emails: Sequence[str], record_types: Sequence[str] | None = None
    ) -> dict[str, CrmRecord]:
        if not self.searched_types(record_types):
            return {}
        wanted = unique_emails(emails)
        found = await bounded_gather(self._find_one, wanted, limit=self.search_concurrency)
        return {email: record for email, record in zip(wanted, found, strict=True) if record}

    async def create(self, contact: ContactData, record_type: str) -> CrmRecord:
        self.check_record_type(record_type)
        body = candidate_body(contact)
        record = _record(await self._results("candidate.create", body, idempotent=False))
        for field_id, value in custom_field_values(contact).items():
            await self._set_custom_field(record, field_id, value)
        return record

    async def _set_custom_field(self, record: CrmRecord, field_id: str, value: Any) -> None:
        """Custom fields cannot go into ``candidate.create``; a refused value leaves the
        candidate created (it is linked, not re-created) and is logged with its reason."""
        body = {
            "objectId": record.id,
            "objectType": CANDIDATE,
            "fieldId": field_id,
            "fieldValue": value,
        }
        try:
            await self._call("customField.setValue", body, idempotent=True)
        except ValidationError as exc:
            log.warning(
                "Ashby refused a mapped custom field value",
                extra={"field_id": field_id, "reason": exc.reason},
            )

    async def assign_to_job(self, record: CrmRecord, job_id: str) -> None:
        # Apply first and look only when refused: the engine keeps its own record of
        # assignments, so a second application is rare and an up-front check would cost a
        # candidate.info call on every assignment.
        if job_id in record.job_ids:
            return
        body = {"candidateId": record.id, "jobId": job_id}
        try:
            await self._call("application.create", body, idempotent=False)
        except ValidationError:
            # Re-applying is refused with an undocumented code: look instead of parsing text.
            if await self._has_application(record.id, job_id):
                return
            raise

    async def log_activity(self, record: CrmRecord, activity: ActivityRecord) -> str:
        body = {
            "candidateId": record.id,
            "note": note_text(activity),
            "createdAt": _iso(activity.occurred_at),
            "sendNotifications": False,
        }
        note = await self._results("candidate.createNote", body, idempotent=False)
        return _require_id(note, "candidate.createNote")

    async def activity_exists(self, record: CrmRecord, marker: str) -> bool:
        tag = marker_tag(marker)
        pages = self._paginate("candidate.listNotes", {"candidateId": record.id})
        async with aclosing(pages) as notes:
            async for note in notes:
                if tag in html.unescape(str(note.get("content") or "")):
                    return True
        return False

    async def list_jobs(self, query: str = "") -> list[CrmJob]:
        jobs = [
            CrmJob(_require_id(job, "job.list"), str(job.get("title") or ""), "Open")
            async for job in self._paginate("job.list", {"status": ["Open"]})
            if job.get("status", "Open") == "Open"
        ]
        return matching_jobs(jobs, query)

    async def describe_fields(self, record_type: str) -> list[FieldSpec]:
        self.check_record_type(record_type)
        fields = list(STANDARD_FIELDS)
        async for custom in self._paginate("customField.list", {}):
            if custom.get("objectType") == CANDIDATE and not custom.get("isArchived"):
                fields.append(_custom_field(custom))
        return fields

    # --- helpers ------------------------------------------------------------------------------

    async def _find_one(self, email: str) -> CrmRecord | None:
        results = await self._results("candidate.search", {"email": email})
        if not isinstance(results, list):
            raise SystemError_("Ashby answered candidate.search without a list of candidates.")
        matches = [c for c in results if isinstance(c, dict) and email in _emails_of(c)]
        if not matches:
            return None
        return _record(max(matches, key=_updated_at))

    async def _has_application(self, candidate_id: str, job_id: str) -> bool:
        candidate = await self._results("candidate.info", {"id": candidate_id})
        if not isinstance(candidate, dict):
            raise SystemError_("Ashby answered candidate.info without a candidate.")
        application_ids = [a for a in candidate.get("applicationIds") or [] if isinstance(a, str)]

        async def job_of(application_id: str) -> str | None:
            app = await self._results("application.info", {"applicationId": application_id})
            job = app.get("job") if isinstance(app, dict) else None
            return job.get("id") if isinstance(job, dict) else None

        jobs = await bounded_gather(job_of, application_ids, limit=self.search_concurrency)
        return job_id in jobs

    async def _call(
        self, method: str, body: Mapping[str, Any] | None = None, *, idempotent: bool = True
    ) -> dict[str, Any]:
        """One API call; returns the success envelope (the error table has vetted it)."""
        return await self.request_json("POST", method, json=dict(body or {}), idempotent=idempotent)

    async def _results(
        self, method: str, body: Mapping[str, Any] | None = None, *, idempotent: bool = True
    ) -> Any:
        envelope = await self._call(method, body, idempotent=idempotent)
        if "results" not in envelope:
            raise SystemError_(f"Ashby answered {method} without results.")
        return envelope["results"]

    def _paginate(self, method: str, body: Mapping[str, Any]) -> AsyncIterator[dict[str, Any]]:
        async def fetch(page: PageRequest) -> Any:
            return await self._call(method, {**body, **page.fields})

        return self.pages(PAGES, fetch, method)


# --- pure helpers -----------------------------------------------------------------------------


def _emails_of(candidate: Mapping[str, Any]) -> set[str]:
    entries = list(candidate.get("emailAddresses") or [])
    entries.append(candidate.get("primaryEmailAddress"))
    return {
        normalise_email(e["value"])
        for e in entries
        if isinstance(e, dict) and isinstance(e.get("value"), str)
    }


def _updated_at(candidate: Mapping[str, Any]) -> datetime:
    for key in ("updatedAt", "createdAt"):
        value = candidate.get(key)
        if isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                continue
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return datetime.min.replace(tzinfo=UTC)


def _require_id(obj: Any, op: str) -> str:
    if isinstance(obj, dict) and isinstance(obj.get("id"), str) and obj["id"]:
        return obj["id"]
    raise SystemError_(f"Ashby answered {op} without an id.")


def _record(candidate: Any) -> CrmRecord:
    candidate_id = _require_id(candidate, "a candidate lookup")
    emails = [e.get("value") for e in candidate.get("emailAddresses") or [] if isinstance(e, dict)]
    return CrmRecord(
        id=candidate_id,
        record_type=CANDIDATE,
        emails=tuple(normalise_email(e) for e in emails if isinstance(e, str)),
        name=str(candidate.get("name") or ""),
        url=candidate.get("profileUrl"),
    )


def _custom_field(custom: Mapping[str, Any]) -> FieldSpec:
    values = custom.get("selectableValues") or []
    picklist = tuple(
        str(v["value"])
        for v in values
        if isinstance(v, dict) and v.get("value") is not None and not v.get("isArchived")
    )
    return FieldSpec(
        name=_require_id(custom, "customField.list"),
        label=str(custom.get("title") or custom["id"]),
        type=FIELD_TYPES.get(str(custom.get("fieldType")), "string"),
        picklist=picklist,
    )


def valid_url(value: str | None) -> str | None:
    """``value`` as an http(s) URL (adding ``https://`` when the scheme is missing), or None."""
    if not value or not value.strip() or any(c.isspace() for c in value.strip()):
        return None
    url = value.strip()
    if "://" not in url:
        url = "https://" + url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or "." not in parts.netloc:
        return None
    return url


def candidate_body(contact: ContactData) -> dict[str, Any]:
    """The candidate.create body for a contact; optional fields only when they have a value.
    Mapped values of the standard fields (``contact.crm_fields``) win over the defaults; the
    primary email stays the contact's own (find-before-create looks it up), so a mapped
    "email" becomes an alternate address."""
    mapped = {k: v for k, v in contact.crm_fields.items() if k in MAPPABLE_STANDARD}
    body: dict[str, Any] = {"name": contact.full_name, "email": contact.email}
    phone = str(mapped.get("phoneNumber") or contact.phone or "").strip()
    if phone:
        body["phoneNumber"] = phone
    linkedin = valid_url(mapped.get("linkedInUrl") or contact.linkedin_url)
    if linkedin:
        body["linkedInUrl"] = linkedin
    location = str(mapped.get("location") or contact.location or "").strip()
    if location:
        body["location"] = {"city": location}
    name = str(mapped.get("name") or "").strip()
    if name:
        body["name"] = name
    other_email = normalise_email(str(contact.crm_fields.get("email") or ""))
    if other_email and other_email != contact.email:
        body["alternateEmailAddresses"] = [other_email]
    return body


def custom_field_values(contact: ContactData) -> dict[str, Any]:
    """Mapped values for Ashby custom fields (by field id), written with customField.setValue."""
    standard = {f.name for f in STANDARD_FIELDS}
    return {k: v for k, v in contact.crm_fields.items() if k not in standard}


def note_text(activity: ActivityRecord) -> str:
    """A note a recruiter can read, ending with the marker tag used to find it again."""
    verb = verb_of(activity.kind)
    if activity.kind is ActivityKind.REPLIED and activity.sentiment:
        verb = f"{verb} ({activity.sentiment})"
    line = f"{verb} in sequence '{activity.sequence_name}'"
    details = [t for t in (_one_line(activity.subject), _snippet(activity.snippet)) if t]
    if details:
        line += ": " + " — ".join(details)
    return f"{line}\n\n{marker_tag(activity.marker)}"


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def _snippet(text: str | None) -> str:
    flat = _one_line(text)
    return flat if len(flat) <= SNIPPET_CHARS else flat[: SNIPPET_CHARS - 1] + "…"


def _iso(moment: datetime) -> str:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
