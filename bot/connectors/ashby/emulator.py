"""An in-memory emulator of the Ashby public API, built from the vendor notes (PART B of
``vendor-apis/salesforce-and-ashby.md``) and the request schemas of ``ashby-openapi.json``.

Documented behaviour it follows: RPC-style ``POST /<category>.<method>`` with a JSON body; Basic
auth with the key as username (missing → 401, unknown or disabled key → 403, key without the
module permission → 403 ``missing_endpoint_permission``); the ``{success, results}`` envelope and,
on failure, both the deprecated ``errors[]`` and ``errorInfo{code,message,requestId}``; input errors
as HTTP 200 ``success:false`` ``invalid_input``; UUID ids; cursor paging (``limit`` default and max
100, opaque cursors, ``moreDataAvailable``/``nextCursor``, a ``syncToken`` on the last page that
later returns only what changed); ``candidate.search`` capped at 100 and requiring email or name;
``candidate.create`` without dedupe; ``job.list`` hiding Draft jobs unless asked.

Undocumented, chosen here (clients must not depend on them): the error codes for unknown
candidates/jobs/applications (``candidate_not_found``, ``job_not_found``,
``application_not_found``), for a repeated ``application.create`` (``application_already_exists``)
and for bad keys (``unauthenticated``/``invalid_api_key``); case-insensitive exact email match
across all of a candidate's addresses; case-insensitive substring match for names and job
titles; ``limit`` above 100 clamped to 100; unknown methods → HTTP 404.

Not emulated yet: webhooks, tags, sources, users, ``candidate.update``,
cursor/sync-token expiry, and the ``openedAfter``-style job filters
(validated, then ignored).

Tests seed an :class:`AshbyState`, serve it with ``httpx.ASGITransport(app=create_app(state))``,
count calls with ``state.calls`` and inject faults with ``state.inject_fault``. For demos:
``python -m bot.connectors.ashby.emulator --port 8765``.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import re
import secrets
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

__all__ = [
    "ALL_PERMISSIONS",
    "ApiKey",
    "AshbyState",
    "Fault",
    "RecordedCall",
    "create_app",
    "main",
]

ALL_PERMISSIONS = frozenset(
    {
        "candidatesRead",
        "candidatesWrite",
        "jobsRead",
        "hiringProcessMetadataRead",
        "hiringProcessMetadataWrite",
        "organizationRead",
        "interviewsRead",
        "offersRead",
        "apiKeysRead",
        "apiKeysWrite",
        "reportsRead",
        "approvalsWrite",
    }
)
PAGE_MAX = 100
SEARCH_CAP = 100
JOB_STATUSES = ("Draft", "Open", "Closed", "Archived")
DEFAULT_JOB_STATUSES = ("Open", "Closed", "Archived")
FIELD_TYPES = (
    "MultiValueSelect",
    "NumberRange",
    "String",
    "Date",
    "ValueSelect",
    "Number",
    "Currency",
    "Boolean",
    "LongText",
    "CompensationRange",
)
OBJECT_TYPES = ("Application", "Candidate", "Employee", "Job", "Offer", "Opening", "Talent_Project")
NOTE_HTML_TAGS = frozenset({"b", "i", "u", "a", "ul", "ol", "li", "code", "pre"})

T = TypeVar("T")


def _iso(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _new_id() -> str:
    return str(uuid.uuid4())


# --- records --------------------------------------------------------------------------------


@dataclass
class ApiKey:
    key: str
    title: str
    permissions: frozenset[str]
    enabled: bool = True
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __repr__(self) -> str:
        return f"ApiKey(title={self.title!r}, enabled={self.enabled})"

    @property
    def scopes(self) -> list[str]:
        """``candidatesRead`` → ``candidates:read``, as apiKey.info reports them."""
        out = []
        for permission in sorted(self.permissions):
            match = re.fullmatch(r"([a-zA-Z]+?)(Read|Write)", permission)
            if match:
                out.append(f"{match[1]}:{match[2].lower()}")
        return out


@dataclass
class Candidate:
    id: str
    name: str
    emails: list[dict[str, Any]]
    created_at: datetime
    updated_at: datetime
    version: int
    phones: list[dict[str, Any]] = field(default_factory=list)
    social_links: list[dict[str, str]] = field(default_factory=list)
    location: dict[str, str] | None = None
    application_ids: list[str] = field(default_factory=list)
    position: str | None = None
    company: str | None = None
    # field id -> the value object customField.setValue returns (id, title, value, ...)
    custom_values: dict[str, dict[str, Any]] = field(default_factory=dict)

    def email_values(self) -> list[str]:
        return [e["value"] for e in self.emails]

    def to_api(self, profile_base_url: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "createdAt": _iso(self.created_at),
            "updatedAt": _iso(self.updated_at),
            "name": self.name,
            "emailAddresses": [dict(e) for e in self.emails],
            "phoneNumbers": [dict(p) for p in self.phones],
            "socialLinks": [dict(s) for s in self.social_links],
            "tags": [],
            "applicationIds": list(self.application_ids),
            "fileHandles": [],
            "customFields": [dict(v) for v in self.custom_values.values()],
            "profileUrl": f"{profile_base_url}/candidates/{self.id}",
        }
        primary_email = next((e for e in self.emails if e["isPrimary"]), None)
        if primary_email:
            out["primaryEmailAddress"] = dict(primary_email)
        primary_phone = next((p for p in self.phones if p["isPrimary"]), None)
        if primary_phone:
            out["primaryPhoneNumber"] = dict(primary_phone)
        if self.position:
            out["position"] = self.position
        if self.company:
            out["company"] = self.company
        if self.location:
            out["location"] = _location_to_api(self.location)
        return out


@dataclass
class Job:
    id: str
    title: str
    status: str
    created_at: datetime
    updated_at: datetime
    version: int
    requisition_id: str | None = None
    confidential: bool = False
    employment_type: str = "FullTime"

    def to_api(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "confidential": self.confidential,
            "status": self.status,
            "employmentType": self.employment_type,
            "interviewPlanIds": [],
            "customFields": [],
            "jobPostingIds": [],
            "hiringTeam": [],
            "createdAt": _iso(self.created_at),
            "updatedAt": _iso(self.updated_at),
        }
        if self.requisition_id:
            out["customRequisitionId"] = self.requisition_id
        return out


@dataclass
class Application:
    id: str
    candidate_id: str
    job_id: str
    created_at: datetime
    updated_at: datetime
    version: int
    status: str = "Lead"


@dataclass
class Note:
    id: str
    candidate_id: str
    content: str
    is_private: bool
    created_at: datetime
    version: int
    author: dict[str, str]

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "createdAt": _iso(self.created_at),
            "isPrivate": self.is_private,
            "content": self.content,
            "author": dict(self.author),
        }


@dataclass
class CustomField:
    id: str
    title: str
    object_type: str
    field_type: str
    version: int
    selectable_values: list[dict[str, Any]] = field(default_factory=list)
    is_archived: bool = False
    is_private: bool = False

    def to_api(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "isPrivate": self.is_private,
            "title": self.title,
            "objectType": self.object_type,
            "isArchived": self.is_archived,
            "fieldType": self.field_type,
        }
        if self.field_type in ("ValueSelect", "MultiValueSelect"):
            out["selectableValues"] = [dict(v) for v in self.selectable_values]
        return out


@dataclass
class Fault:
    """An injected failure: the next ``remaining`` calls of ``method`` (``*`` = any) get
    ``status`` (``remaining=None`` = until cleared)."""

    method: str
    status: int
    remaining: int | None
    retry_after: float | None = None
    code: str | None = None
    scope: str | None = None


@dataclass(frozen=True)
class RecordedCall:
    method: str
    body: Any
    status: int
    success: bool


def _location_to_api(location: Mapping[str, str]) -> dict[str, Any]:
    parts = [("Country", "country"), ("Region", "region"), ("City", "city")]
    components = [{"type": t, "name": location[k]} for t, k in parts if location.get(k)]
    return {
        "id": _new_id(),
        "locationSummary": ", ".join(c["name"] for c in components),
        "locationComponents": components,
    }


# --- state ----------------------------------------------------------------------------------


class AshbyState:
    """Everything the emulated Ashby organisation holds, plus the test hooks."""

    def __init__(
        self,
        *,
        profile_base_url: str = "https://app.ashbyhq.com",
        clock: Callable[[], datetime] | None = None,
    ):
        self.profile_base_url = profile_base_url.rstrip("/")
        self.clock = clock or (lambda: datetime.now(UTC))
        self.api_keys: dict[str, ApiKey] = {}
        self.candidates: dict[str, Candidate] = {}
        self.jobs: dict[str, Job] = {}
        self.applications: dict[str, Application] = {}
        self.notes: dict[str, Note] = {}
        self.custom_fields: dict[str, CustomField] = {}
        self.faults: list[Fault] = []
        self.calls: Counter[str] = Counter()
        self.call_log: list[RecordedCall] = []
        self.api_user = {
            "id": _new_id(),
            "firstName": "Ashby",
            "lastName": "API",
            "email": "api@example.com",
        }
        self._version = 0

    # seeding -------------------------------------------------------------------------------

    def add_api_key(
        self,
        key: str,
        *,
        permissions: Iterable[str] = ALL_PERMISSIONS,
        title: str = "CRM Sync Bot",
        enabled: bool = True,
    ) -> ApiKey:
        api_key = ApiKey(key, title, frozenset(permissions), enabled, self.clock())
        self.api_keys[key] = api_key
        return api_key

    def disable_api_key(self, key: str) -> None:
        self.api_keys[key].enabled = False

    def add_job(
        self, title: str, status: str = "Open", *, requisition_id: str | None = None
    ) -> Job:
        if status not in JOB_STATUSES:
            raise ValueError(f"job status must be one of {JOB_STATUSES}")
        now = self.clock()
        job = Job(_new_id(), title, status, now, now, self._bump(), requisition_id)
        self.jobs[job.id] = job
        return job

    def set_job_status(self, job_id: str, status: str) -> None:
        job = self.jobs[job_id]
        job.status, job.updated_at, job.version = status, self.clock(), self._bump()

    def add_candidate(
        self,
        name: str,
        email: str | None = None,
        *,
        alternate_emails: Sequence[str] = (),
        phone: str | None = None,
        linkedin_url: str | None = None,
        location: Mapping[str, str] | None = None,
        position: str | None = None,
        company: str | None = None,
        created_at: datetime | None = None,
        updated_at: datetime | None = None,
    ) -> Candidate:
        now = self.clock()
        emails = [_contact(email, "Personal", True)] if email else []
        emails += [
            _contact(e, "Other", not emails and i == 0) for i, e in enumerate(alternate_emails)
        ]
        candidate = Candidate(
            id=_new_id(),
            name=name,
            emails=emails,
            created_at=created_at or now,
            updated_at=updated_at or created_at or now,
            version=self._bump(),
            phones=[_contact(phone, "Personal", True)] if phone else [],
            social_links=[{"type": "LinkedIn", "url": linkedin_url}] if linkedin_url else [],
            location=dict(location) if location else None,
            position=position,
            company=company,
        )
        self.candidates[candidate.id] = candidate
        return candidate

    def add_custom_field(
        self,
        title: str,
        field_type: str = "String",
        *,
        object_type: str = "Candidate",
        selectable_values: Sequence[str] = (),
        is_archived: bool = False,
        is_private: bool = False,
    ) -> CustomField:
        if field_type not in FIELD_TYPES or object_type not in OBJECT_TYPES:
            raise ValueError("unknown field or object type")
        values = [{"label": v, "value": v, "isArchived": False} for v in selectable_values]
        custom = CustomField(
            _new_id(), title, object_type, field_type, self._bump(), values, is_archived, is_private
        )
        self.custom_fields[custom.id] = custom
        return custom

    def add_note(
        self, candidate_id: str, content: str, *, created_at: datetime | None = None
    ) -> Note:
        note = Note(
            _new_id(),
            self.candidates[candidate_id].id,
            content,
            False,
            created_at or self.clock(),
            self._bump(),
            self.api_user,
        )
        self.notes[note.id] = note
        return note

    def merge_candidates(self, keep_id: str, remove_id: str) -> None:
        """What a recruiter's merge in the UI does: the removed id disappears."""
        keep, gone = self.candidates[keep_id], self.candidates.pop(remove_id)
        known = {v.lower() for v in keep.email_values()}
        keep.emails += [
            {**e, "isPrimary": False} for e in gone.emails if e["value"].lower() not in known
        ]
        keep.application_ids += gone.application_ids
        for app in self.applications.values():
            if app.candidate_id == remove_id:
                app.candidate_id = keep_id
        for note in self.notes.values():
            if note.candidate_id == remove_id:
                note.candidate_id = keep_id
        self._touch(keep)

    # test hooks ----------------------------------------------------------------------------

    def inject_fault(
        self,
        method: str = "*",
        *,
        status: int = 503,
        times: int | None = 1,
        retry_after: float | None = None,
        code: str | None = None,
        scope: str | None = None,
    ) -> Fault:
        """Fail the next ``times`` calls of ``method`` with ``status``. ``scope`` sets
        ``X-RateLimit-Scope`` (e.g. ``integration-partner``) on 429s."""
        fault = Fault(method, status, times, retry_after, code, scope)
        self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        self.faults.clear()

    def reset_calls(self) -> None:
        self.calls.clear()
        self.call_log.clear()

    def applications_for(self, candidate_id: str) -> list[Application]:
        return [a for a in self.applications.values() if a.candidate_id == candidate_id]

    def notes_for(self, candidate_id: str) -> list[Note]:
        return [n for n in self.notes.values() if n.candidate_id == candidate_id]

    # internals -----------------------------------------------------------------------------

    def _bump(self) -> int:
        self._version += 1
        return self._version

    def _touch(self, candidate: Candidate) -> None:
        candidate.updated_at, candidate.version = self.clock(), self._bump()

    def _take_fault(self, method: str) -> Fault | None:
        for fault in self.faults:
            if fault.method in ("*", method):
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self.faults.remove(fault)
                return fault
        return None

    def _candidate(self, candidate_id: Any) -> Candidate:
        candidate = self.candidates.get(candidate_id)
        if candidate is None:
            raise ApiError("candidate_not_found", "No candidate exists with the given id")
        return candidate

    def _job(self, job_id: Any) -> Job:
        job = self.jobs.get(job_id)
        if job is None:
            raise ApiError("job_not_found", "No job exists with the given id")
        return job

    def _render_candidate(self, candidate: Candidate) -> dict[str, Any]:
        return candidate.to_api(self.profile_base_url)

    def _render_application(self, app: Application) -> dict[str, Any]:
        candidate = self.candidates.get(app.candidate_id)
        job = self.jobs[app.job_id]
        brief = self._render_candidate(candidate) if candidate else {}
        return {
            "id": app.id,
            "createdAt": _iso(app.created_at),
            "updatedAt": _iso(app.updated_at),
            "status": app.status,
            "customFields": [],
            "candidate": {
                "id": app.candidate_id,
                "name": brief.get("name", ""),
                "primaryEmailAddress": brief.get("primaryEmailAddress"),
                "primaryPhoneNumber": brief.get("primaryPhoneNumber"),
            },
            "currentInterviewStage": {
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"stage:{job.id}")),
                "title": "Lead",
                "type": "Lead",
                "orderInInterviewPlan": 0,
                "interviewStageGroupId": str(uuid.uuid5(uuid.NAMESPACE_URL, "group:lead")),
                "interviewPlanId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"plan:{job.id}")),
            },
            "job": {"id": job.id, "title": job.title, "locationId": None, "departmentId": None},
            "hiringTeam": [],
        }

    def _page(
        self,
        method: str,
        items: Sequence[Any],
        body: Mapping[str, Any],
        render: Callable[[Any], dict[str, Any]],
    ) -> dict[str, Any]:
        """Cursor paging with changed-since sync tokens, as in Ashby's paging guide."""
        limit = _limit(body)
        offset, since = 0, None
        if body.get("cursor"):
            offset, since = _decode_cursor(body["cursor"], method)
        elif body.get("syncToken"):
            since = _decode_sync_token(body["syncToken"])
        if since is not None:
            items = [item for item in items if item.version > since]
        page = items[offset : offset + limit]
        more = offset + limit < len(items)
        out: dict[str, Any] = {"results": [render(i) for i in page], "moreDataAvailable": more}
        if more:
            out["nextCursor"] = _encode({"m": method, "o": offset + limit, "s": since})
        else:
            out["syncToken"] = _encode({"v": self._version})
        return out


def _contact(value: str, kind: str, primary: bool) -> dict[str, Any]:
    return {"value": value, "type": kind, "isPrimary": primary}


# --- errors, paging tokens, validation ------------------------------------------------------


class ApiError(Exception):
    """A failure answered with the Ashby error envelope (HTTP 200 unless said otherwise)."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
    ):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status
        self.headers = dict(headers or {})

    def response(self) -> JSONResponse:
        return JSONResponse(
            error_envelope(self.code, self.message), status_code=self.status, headers=self.headers
        )


def error_envelope(code: str, message: str) -> dict[str, Any]:
    request_id = uuid.uuid4().hex[:26].upper()
    return {
        "success": False,
        "errors": [code],
        "errorInfo": {"code": code, "message": message, "requestId": request_id, "meta": {}},
    }


def _encode(payload: Mapping[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def _decode(token: str) -> dict[str, Any]:
    padded = token + "=" * (-len(token) % 4)
    value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    if not isinstance(value, dict):
        raise ValueError("not an object")
    return value


def _decode_cursor(cursor: str, method: str) -> tuple[int, int | None]:
    try:
        data = _decode(cursor)
        if data["m"] != method or not isinstance(data["o"], int):
            raise ValueError("cursor from another listing")
        return data["o"], data.get("s")
    except (ValueError, KeyError, binascii.Error, UnicodeDecodeError) as exc:
        raise ApiError("invalid_next_cursor", "The provided cursor is invalid") from exc


def _decode_sync_token(token: str) -> int:
    try:
        version = _decode(token)["v"]
        if not isinstance(version, int):
            raise ValueError("bad version")
        return version
    except (ValueError, KeyError, binascii.Error, UnicodeDecodeError) as exc:
        raise ApiError("sync_token_invalid", "The provided sync token is invalid") from exc


def _limit(body: Mapping[str, Any]) -> int:
    limit = body.get("limit", PAGE_MAX)
    if limit < 1:
        raise ApiError("invalid_input", "limit must be a positive number")
    return min(int(limit), PAGE_MAX)


Check = Callable[[Any], bool]


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(value)
    except (TypeError, ValueError, AttributeError):
        return False
    return True


def _is_url(value: Any) -> bool:
    if not isinstance(value, str) or " " in value:
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and "." in parts.netloc


def _is_email(value: Any) -> bool:
    return isinstance(value, str) and re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value) is not None


def _is_datetime(value: Any) -> bool:
    try:
        _parse_iso(value)
    except (TypeError, ValueError, AttributeError):
        return False
    return True


def _list_of(check: Check) -> Check:
    return lambda value: isinstance(value, list) and all(check(v) for v in value)


def _one_of(*choices: str) -> Check:
    return lambda value: value in choices


def _is_location(value: Any) -> bool:
    keys = {"city", "region", "country"}
    return isinstance(value, dict) and set(value) <= keys and all(map(_is_str, value.values()))


def _is_note(value: Any) -> bool:
    if isinstance(value, str):
        return True
    return (
        isinstance(value, dict)
        and value.get("type") in ("text/plain", "text/html")
        and isinstance(value.get("value"), str)
    )


@dataclass(frozen=True)
class Schema:
    """The subset of a request schema the emulator enforces: property types and required sets."""

    fields: Mapping[str, Check] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()

    def problem(self, body: Mapping[str, Any]) -> str | None:
        for name in self.required:
            if body.get(name) is None:
                return f"Missing required field: {name}"
        if self.any_of and not any(body.get(n) is not None for n in self.any_of):
            return f"One of {', '.join(self.any_of)} is required"
        for name, check in self.fields.items():
            if body.get(name) is not None and not check(body[name]):
                return f"Invalid value for field: {name}"
        return None


PAGING: dict[str, Check] = {"cursor": _is_str, "syncToken": _is_str, "limit": _is_number}


# --- endpoint handlers ----------------------------------------------------------------------

Handler = Callable[[AshbyState, ApiKey, dict[str, Any]], dict[str, Any]]


def _api_key_info(state: AshbyState, key: ApiKey, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "results": {"title": key.title, "createdAt": _iso(key.created_at), "scopes": key.scopes}
    }


def _candidate_search(state: AshbyState, key: ApiKey, body: dict[str, Any]) -> dict[str, Any]:
    email = (body.get("email") or "").strip().lower()
    name = (body.get("name") or "").strip().lower()
    found = [
        c
        for c in state.candidates.values()
        if (not email or email in (v.lower() for v in c.email_values()))
        and (not name or name in c.name.lower())
    ]
    return {"results": [state._render_candidate(c) for c in found[:SEARCH_CAP]]}


def _candidate_create(state: AshbyState, key: ApiKey, body: dict[str, Any]) -> dict[str, Any]:
    if not body["name"].strip():
        raise ApiError("invalid_input", "name must not be empty")
    for url_field in ("linkedInUrl", "githubUrl", "website"):
        if body.get(url_field) is not None and not _is_url(body[url_field]):
            raise ApiError("invalid_input", f"{url_field} must be a valid URL")
    emails = [body["email"]] if body.get("email") else []
    emails += body.get("alternateEmailAddresses") or []
    if not all(map(_is_email, emails)):
        raise ApiError("invalid_input", "Invalid email address")
    links = [("LinkedIn", "linkedInUrl"), ("GitHub", "githubUrl"), ("Website", "website")]
    created_at = _parse_iso(body["createdAt"]) if body.get("createdAt") else None
    candidate = state.add_candidate(
        body["name"].strip(),
        body.get("email"),
        alternate_emails=body.get("alternateEmailAddresses") or (),
        phone=body.get("phoneNumber"),
        location=body.get("location") or None,
        created_at=created_at,
    )
    candidate.social_links = [{"type": t, "url": body[k]} for t, k in links if body.get(k)]
    return {"results": state._render_candidate(candidate)}


def _candidate_info(state: AshbyState, key: ApiKey, body: dict[str, Any]) -> dict[str, Any]:
    if body.get("id") is None:
        raise ApiError("candidate_not_found", "No candidate with that externalMappingId")
    return {"results": state._render_candidate(state._candidate(body["id"]))}


def _candidate_list(state: AshbyState, key: ApiKey, body: dict[str, Any]) -> dict[str, Any]:
    items = list(state.candidates.values())
    return state._page("candidate.list", items, body, state._render_candidate)


def _strip_html(html: str) -> str:
    def keep(match: re.Match[str]) -> str:
        return match[0] if match[2].lower() in NOTE_HTML_TAGS else ""

    return re.sub(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>", keep, html)


def _create_note(state: AshbyState, key: ApiKey, body: dict[str, Any]) -> dict[str, Any]:
    candidate = state._candidate(body["candidateId"])
    note_in = body["note"]
    if isinstance(note_in, str):
        content = note_in
    elif note_in["type"] == "text/html":
        content = _strip_html(note_in["value"])
    else:
        content = note_in["value"]
    if not content.strip():
        raise ApiError("invalid_input", "note must not be empty")
    created_at = _parse_iso(body["createdAt"]) if body.get("createdAt") else None
    note = state.add_note(candidate.id, content, created_at=created_at)
    note.is_private = bool(body.get("isPrivate", False))
    return {"results": note.to_api()}


def _list_notes(state: AshbyState, key: ApiKey, body: dict[str, Any]) -> dict[str, Any]:
    candidate = state._candidate(body["candidateId"])
    notes = sorted(state.notes_for(candidate.id), key=lambda n: n.created_at, reverse=True)
    return state._page("candidate.listNotes", notes, body, Note.to_api)


def _application_create(state: AshbyState, key: ApiKey, body: dict[str, Any]) -> dict[str, Any]:
    candidate = state._candidate(body["candidateId"])
    job = state._job(body["jobId"])
    if any(a.job_id == job.id for a in state.applications_for(candidate.id)):
        raise ApiError(
            "application_already_exists", "The candidate has already been considered for this job"
        )
    now = state.clock()
    app = Application(_new_id(), candidate.id, job.id, now, now, state._bump())
    state.applications[app.id] = app
    candidate.application_ids.append(app.id)
    state._touch(candidate)
    return {"results": state._render_application(app)}


def _application_info(state: AshbyState, key: ApiKey, body: dict[str, Any]) -> dict[str, Any]:
    app = state.applications.get(body.get("applicationId"))
    if app is None:
        raise ApiError("application_not_found", "No application exists with the given id")
    return {"results": state._render_application(app)}


def _application_list(state: AshbyState, key: ApiKey, body: dict[str, Any]) -> dict[str, Any]:
    apps = list(state.applications.values())
    if body.get("jobId"):
        apps = [a for a in apps if a.job_id == body["jobId"]]
    if body.get("status"):
        apps = [a for a in apps if a.status == body["status"]]
    if body.get("createdAfter") is not None:
        after = body["createdAfter"] / 1000
        apps = [a for a in apps if a.created_at.timestamp() > after]
    return state._page("application.list", apps, body, state._render_application)


def _job_list(state: AshbyState, key: ApiKey, body: dict[str, Any]) -> dict[str, Any]:
    statuses = body.get("status") or DEFAULT_JOB_STATUSES
    jobs = [j for j in state.jobs.values() if j.status in statuses]
    return state._page("job.list", jobs, body, Job.to_api)


def _job_search(state: AshbyState, key: ApiKey, body: dict[str, Any]) -> dict[str, Any]:
    title = (body.get("title") or "").lower()
    requisition = body.get("requisitionId")
    found = [
        j
        for j in state.jobs.values()
        if title in j.title.lower() and (requisition is None or j.requisition_id == requisition)
    ]
    return {"results": [j.to_api() for j in found]}


def _job_info(state: AshbyState, key: ApiKey, body: dict[str, Any]) -> dict[str, Any]:
    return {"results": state._job(body["id"]).to_api()}


SET_VALUE_OBJECTS = ("Application", "Candidate", "Job", "Opening")


def _custom_field_set_value(state: AshbyState, key: ApiKey, body: dict[str, Any]) -> dict[str, Any]:
    """Candidates only here (the other object types are not emulated); values typed by the
    field's type as the vendor notes list them."""
    if body["objectType"] not in SET_VALUE_OBJECTS:
        raise ApiError("invalid_input", "Invalid value for field: objectType")
    custom = state.custom_fields.get(body["fieldId"])
    if custom is None:
        raise ApiError("custom_field_not_found", "No custom field exists with the given id")
    if body["objectType"] != "Candidate" or custom.object_type != "Candidate":
        raise ApiError("invalid_input", "The custom field does not belong to that object type")
    candidate = state._candidate(body["objectId"])
    value = body["fieldValue"]
    if not _custom_value_ok(custom, value):
        raise ApiError("invalid_input", f"Invalid value for custom field {custom.title}")
    stored = {
        "id": custom.id,
        "isPrivate": custom.is_private,
        "title": custom.title,
        "value": value,
        "valueLabel": value if custom.field_type == "ValueSelect" else None,
    }
    candidate.custom_values[custom.id] = stored
    return {"results": stored}


def _custom_value_ok(custom: CustomField, value: Any) -> bool:
    allowed = {v["value"] for v in custom.selectable_values if not v.get("isArchived")}
    kind = custom.field_type
    if kind == "Boolean":
        return isinstance(value, bool)
    if kind in ("Number", "Currency"):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "ValueSelect":
        return isinstance(value, str) and value in allowed
    if kind == "MultiValueSelect":
        return isinstance(value, list) and all(v in allowed for v in value)
    if kind == "Date":
        return isinstance(value, str) and _parse_iso_or_none(value) is not None
    if kind in ("String", "LongText"):
        return isinstance(value, str)
    return isinstance(value, dict)


def _parse_iso_or_none(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _custom_field_list(state: AshbyState, key: ApiKey, body: dict[str, Any]) -> dict[str, Any]:
    fields = list(state.custom_fields.values())
    return state._page("customField.list", fields, body, CustomField.to_api)


@dataclass(frozen=True)
class Endpoint:
    permission: str
    handler: Handler
    schema: Schema = field(default_factory=Schema)


ENDPOINTS: dict[str, Endpoint] = {
    "apiKey.info": Endpoint("apiKeysRead", _api_key_info),
    "candidate.search": Endpoint(
        "candidatesRead",
        _candidate_search,
        Schema({"email": _is_str, "name": _is_str}, any_of=("email", "name")),
    ),
    "candidate.create": Endpoint(
        "candidatesWrite",
        _candidate_create,
        Schema(
            {
                "name": _is_str,
                "email": _is_str,
                "phoneNumber": _is_str,
                "linkedInUrl": _is_str,
                "githubUrl": _is_str,
                "website": _is_str,
                "alternateEmailAddresses": _list_of(_is_str),
                "sourceId": _is_uuid,
                "creditedToUserId": _is_uuid,
                "location": _is_location,
                "createdAt": _is_datetime,
            },
            required=("name",),
        ),
    ),
    "candidate.info": Endpoint(
        "candidatesRead",
        _candidate_info,
        Schema({"id": _is_uuid, "externalMappingId": _is_str}, any_of=("id", "externalMappingId")),
    ),
    "candidate.list": Endpoint("candidatesRead", _candidate_list, Schema(PAGING)),
    "candidate.createNote": Endpoint(
        "candidatesWrite",
        _create_note,
        Schema(
            {
                "candidateId": _is_uuid,
                "note": _is_note,
                "sendNotifications": _is_bool,
                "isPrivate": _is_bool,
                "createdAt": _is_datetime,
            },
            required=("candidateId", "note"),
        ),
    ),
    "candidate.listNotes": Endpoint(
        "candidatesRead",
        _list_notes,
        Schema({"candidateId": _is_uuid, **PAGING}, required=("candidateId",)),
    ),
    "application.create": Endpoint(
        "candidatesWrite",
        _application_create,
        Schema(
            {
                "candidateId": _is_uuid,
                "jobId": _is_uuid,
                "interviewPlanId": _is_uuid,
                "interviewStageId": _is_str,
                "sourceId": _is_uuid,
                "creditedToUserId": _is_uuid,
                "createdAt": _is_datetime,
            },
            required=("candidateId", "jobId"),
        ),
    ),
    "application.info": Endpoint(
        "candidatesRead",
        _application_info,
        Schema(
            {"applicationId": _is_uuid, "submittedFormInstanceId": _is_uuid},
            any_of=("applicationId", "submittedFormInstanceId"),
        ),
    ),
    "application.list": Endpoint(
        "candidatesRead",
        _application_list,
        Schema(
            {
                **PAGING,
                "createdAfter": _is_int,
                "status": _one_of("Hired", "Archived", "Active", "Lead"),
                "jobId": _is_uuid,
            }
        ),
    ),
    "job.list": Endpoint(
        "jobsRead",
        _job_list,
        Schema(
            {
                **PAGING,
                "status": _list_of(_one_of(*JOB_STATUSES)),
                "openedAfter": _is_int,
                "openedBefore": _is_int,
                "closedAfter": _is_int,
                "closedBefore": _is_int,
                "includeUnpublishedJobPostingsIds": _is_bool,
            }
        ),
    ),
    "job.search": Endpoint(
        "jobsRead",
        _job_search,
        Schema({"title": _is_str, "requisitionId": _is_str}, any_of=("title", "requisitionId")),
    ),
    "job.info": Endpoint("jobsRead", _job_info, Schema({"id": _is_uuid}, required=("id",))),
    "customField.list": Endpoint("hiringProcessMetadataRead", _custom_field_list, Schema(PAGING)),
    "customField.setValue": Endpoint(
        "candidatesWrite",
        _custom_field_set_value,
        Schema(
            {"objectId": _is_uuid, "objectType": _is_str, "fieldId": _is_uuid},
            required=("objectId", "objectType", "fieldId", "fieldValue"),
        ),
    ),
}


# --- HTTP layer -----------------------------------------------------------------------------


def _fault_error(fault: Fault) -> ApiError:
    headers: dict[str, str] = {}
    if fault.retry_after is not None:
        headers["Retry-After"] = f"{fault.retry_after:g}"
    if fault.status == 429:
        if fault.scope:
            headers["X-RateLimit-Scope"] = fault.scope
        code = fault.code or "rate_limit_exceeded"
        return ApiError(code, "Rate limit exceeded", status=429, headers=headers)
    code = fault.code or ("internal_server_error" if fault.status >= 500 else "invalid_input")
    return ApiError(code, "Injected failure", status=fault.status, headers=headers)


def _authenticate(state: AshbyState, header: str | None) -> ApiKey:
    scheme, _, token = (header or "").partition(" ")
    key = ""
    if scheme.lower() == "basic" and token:
        try:
            key = base64.b64decode(token.strip(), validate=True).decode().partition(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            key = ""
    if not key:
        raise ApiError("unauthenticated", "Missing API key", status=401)
    api_key = state.api_keys.get(key)
    if api_key is None or not api_key.enabled:
        raise ApiError("invalid_api_key", "The API key is invalid or deactivated", status=403)
    return api_key


async def _read_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    if not request.headers.get("content-type", "").startswith("application/json"):
        raise ApiError("invalid_input", "Content-Type must be application/json")
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise ApiError("invalid_input", "Request payload is malformed") from exc
    if not isinstance(body, dict):
        raise ApiError("invalid_input", "Request payload is malformed")
    return body


async def _handle(state: AshbyState, method: str, request: Request, seen: list[Any]) -> Any:
    fault = state._take_fault(method)
    if fault is not None:
        raise _fault_error(fault)
    key = _authenticate(state, request.headers.get("authorization"))
    endpoint = ENDPOINTS.get(method)
    if endpoint is None:
        raise ApiError("resource_not_found", f"Unknown endpoint: {method}", status=404)
    if endpoint.permission not in key.permissions:
        message = f"The API key is missing the {endpoint.permission} permission for {method}"
        raise ApiError("missing_endpoint_permission", message, status=403)
    body = await _read_body(request)
    seen.append(body)
    problem = endpoint.schema.problem(body)
    if problem:
        raise ApiError("invalid_input", problem)
    return endpoint.handler(state, key, body)


def create_app(state: AshbyState | None = None) -> Starlette:
    """The emulated API as an ASGI app; ``app.state.ashby`` is the :class:`AshbyState`."""
    ashby = state if state is not None else AshbyState()

    async def dispatch(request: Request) -> JSONResponse:
        method = request.path_params["method"]
        ashby.calls[method] += 1
        seen: list[Any] = []
        try:
            results = await _handle(ashby, method, request, seen)
            response, success = JSONResponse({"success": True, **results}), True
        except ApiError as exc:
            response, success = exc.response(), False
        body = seen[0] if seen else None
        ashby.call_log.append(RecordedCall(method, body, response.status_code, success))
        return response

    app = Starlette(routes=[Route("/{method}", dispatch, methods=["POST"])])
    app.state.ashby = ashby
    return app


# --- sandbox command ------------------------------------------------------------------------


def seed_demo(state: AshbyState, key: str) -> list[Job]:
    state.add_api_key(key, title="Demo key")
    jobs = [
        state.add_job("Senior Software Engineer"),
        state.add_job("Account Executive"),
        state.add_job("Product Designer", "Closed"),
    ]
    state.add_custom_field("Sequence", "String")
    state.add_custom_field("Seniority", "ValueSelect", selectable_values=("Junior", "Senior"))
    state.add_candidate("Jane Doe", "jane@example.com", alternate_emails=["jane.doe@work.example"])
    return jobs


def main(argv: Sequence[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="Serve the Ashby API emulator on localhost.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--key", default=None, help="API key to accept (default: random)")
    args = parser.parse_args(argv)
    key = args.key or f"demo_{secrets.token_hex(12)}"
    state = AshbyState()
    jobs = seed_demo(state, key)
    print(f"Ashby emulator on http://127.0.0.1:{args.port}")
    print(f"  ASHBY_API_URL=http://127.0.0.1:{args.port}")
    print(f"  API key: {key}")
    for job in jobs:
        print(f"  job {job.id}  {job.status:<6}  {job.title}")
    uvicorn.run(create_app(state), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
