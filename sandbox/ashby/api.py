"""The Ashby public API over HTTP, built from the vendor notes (PART B of
``vendor-apis/salesforce-and-ashby.md``) and the request schemas of ``ashby-openapi.json``.

Documented behaviour it follows: RPC-style ``POST /<category>.<method>`` with a JSON body; Basic
auth with the key as username (missing → 401, unknown or disabled key → 403, key without the
module permission → 403 ``missing_endpoint_permission``); the ``{success, results}`` envelope and,
on failure, both the deprecated ``errors[]`` and ``errorInfo{code,message,requestId}``; input errors
as HTTP 200 ``success:false`` ``invalid_input``; UUID ids; cursor paging (``limit`` default and max
100, opaque cursors, ``moreDataAvailable``/``nextCursor``, a ``syncToken`` on the last page that
later returns only what changed); ``candidate.search`` capped at 100 and requiring email or name;
``candidate.create`` without dedupe; ``job.list`` hiding Draft jobs unless asked; per-key rate
limits answered with HTTP 429 ``rate_limit_exceeded`` (``X-RateLimit-Scope:
integration-partner`` when partner-wide: a fault's ``headers``).

Undocumented, chosen here (clients must not depend on them): the error codes for unknown
candidates/jobs/applications (``candidate_not_found``, ``job_not_found``,
``application_not_found``), for a repeated ``application.create`` (``application_already_exists``)
and for bad keys (``unauthenticated``/``invalid_api_key``); case-insensitive exact email match
across all of a candidate's addresses; case-insensitive substring match for names and job
titles; ``limit`` above 100 clamped to 100; unknown methods → HTTP 404; ``Retry-After`` on 429s
(third parties report it). Ashby publishes no number for its per-key limit, so none is set by
default (``state.limits.limit = RateLimit(...)`` or ``serve --rate``).

Not emulated yet: webhooks, tags, sources, users, ``candidate.update``,
cursor/sync-token expiry, and the ``openedAfter``-style job filters
(validated, then ignored).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sandbox.ashby.records import (
    DEFAULT_JOB_STATUSES,
    JOB_STATUSES,
    NOTE_HTML_TAGS,
    SEARCH_CAP,
    ApiKey,
    Application,
    AshbyState,
    CustomField,
    Job,
    Note,
)
from sandbox.ashby.rules import (
    PAGING,
    ApiError,
    Schema,
    is_bool,
    is_datetime,
    is_email,
    is_int,
    is_location,
    is_note,
    is_str,
    is_url,
    is_uuid,
    iso,
    list_of,
    one_of,
    parse_iso,
)
from sandbox.kernel import Api, Call, Demo, Endpoint, Fault, Routes, build_app, fingerprint

__all__ = ["AshbyApi", "create_app", "demo"]

H = TypeVar("H", bound=Callable[..., Any])
routes = Routes()


def rpc(method: str, permission: str, schema: Schema | None = None) -> Callable[[H], H]:
    """Declare ``POST /<method>``, callable with a key holding ``permission``."""
    return routes.post(f"/{method}", label=method, permission=permission, schema=schema or Schema())


# --- endpoints --------------------------------------------------------------------------------


@rpc("apiKey.info", "apiKeysRead")
def _api_key_info(state: AshbyState, key: ApiKey, body: dict[str, Any]) -> dict[str, Any]:
    return {"results": {"title": key.title, "createdAt": iso(key.created_at), "scopes": key.scopes}}


@rpc(
    "candidate.search",
    "candidatesRead",
    Schema({"email": is_str, "name": is_str}, any_of=("email", "name")),
)
def _candidate_search(state: AshbyState, key: ApiKey, body: dict[str, Any]) -> dict[str, Any]:
    email = (body.get("email") or "").strip().lower()
    name = (body.get("name") or "").strip().lower()
    found = [
        c
        for c in state.candidates.values()
        if (not email or email in (v.lower() for v in c.email_values()))
        and (not name or name in c.name.lower())
    ]
    return {"results": [state.render_candidate(c) for c in found[:SEARCH_CAP]]}


@rpc(
    "candidate.create",
    "candidatesWrite",
    Schema(
        {
            "name": is_str,
            "email": is_str,
            "phoneNumber": is_str,
            "linkedInUrl": is_str,
            "githubUrl": is_str,
            "website": is_str,
            "alternateEmailAddresses": list_of(is_str),
            "sourceId": is_uuid,
            "creditedToUserId": is_uuid,
            "location": is_location,
            "createdAt": is_datetime,
        },
        required=("name",),
    ),
)
def _candidate_create(state: AshbyState, key: ApiKey, body: dict[str, Any]) -> dict[str, Any]:
    if not body["name"].strip():
        raise ApiError("invalid_input", "name must not be empty")
    for url_field in ("linkedInUrl", "githubUrl", "website"):
        if body.get(url_field) is not None and not is_url(body[url_field]):
            raise ApiError("invalid_input", f"{url_field} must be a valid URL")
    emails = [body["email"]] if body.get("email") else []
    emails += body.get("alternateEmailAddresses") or []
    if not all(map(is_email, emails)):
        raise ApiError("invalid_input", "Invalid email address")
    links = [("LinkedIn", "linkedInUrl"), ("GitHub", "githubUrl"), ("Website", "website")]
    created_at = parse_iso(body["createdAt"]) if body.get("createdAt") else None
    candidate = state.add_candidate(
        body["name"].strip(),
        body.get("email"),
        alternate_emails=body.get("alternateEmailAddresses") or (),
        phone=body.get("phoneNumber"),
        location=body.get("location") or None,
        created_at=created_at,
    )
    candidate.social_links = [{"type": t, "url": body[k]} for t, k in links if body.get(k)]
    return {"results": state.render_candidate(candidate)}


@rpc(
    "candidate.info",
    "candidatesRead",
    Schema({"id": is_uuid, "externalMappingId": is_str}, any_of=("id", "externalMappingId")),
)
def _candidate_info(state: AshbyState, key: ApiKey, body: dict[str, Any]) -> dict[str, Any]:
    if body.get("id") is None:
        raise ApiError("candidate_not_found", "No candidate with that externalMappingId")
    return {"results": state.render_candidate(state.candidate(body["id"]))}


@rpc("candidate.list", "candidatesRead", Schema(PAGING))
def _candidate_list(state: AshbyState, key: ApiKey, body: dict[str, Any]) -> dict[str, Any]:
    items = list(state.candidates.values())
    return state.page("candidate.list", items, body, state.render_candidate)


def _strip_html(html: str) -> str:
    def keep(match: re.Match[str]) -> str:
        return match[0] if match[2].lower() in NOTE_HTML_TAGS else ""

    return re.sub(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>", keep, html)


@rpc(
    "candidate.createNote",
    "candidatesWrite",
    Schema(
        {
            "candidateId": is_uuid,
            "note": is_note,
            "sendNotifications": is_bool,
            "isPrivate": is_bool,
            "createdAt": is_datetime,
        },
        required=("candidateId", "note"),
    ),
)
def _create_note(state: AshbyState, key: ApiKey, body: dict[str, Any]) -> dict[str, Any]:
    candidate = state.candidate(body["candidateId"])
    note_in = body["note"]
    if isinstance(note_in, str):
        content = note_in
    elif note_in["type"] == "text/html":
        content = _strip_html(note_in["value"])
    else:
        content = note_in["value"]
    if not content.strip():
        raise ApiError("invalid_input", "note must not be empty")
    created_at = parse_iso(body["createdAt"]) if body.get("createdAt") else None
    note = state.add_note(candidate.id, content, created_at=created_at)
    note.is_private = bool(body.get("isPrivate", False))
    return {"results": note.to_api()}


@rpc(
    "candidate.listNotes",
    "candidatesRead",
    Schema({"candidateId": is_uuid, **PAGING}, required=("candidateId",)),
)
def _list_notes(state: AshbyState, key: ApiKey, body: dict[str, Any]) -> dict[str, Any]:
    candidate = state.candidate(body["candidateId"])
    notes = sorted(state.notes_for(candidate.id), key=lambda n: n.created_at, reverse=True)
    return state.page("candidate.listNotes", notes, body, Note.to_api)


@rpc(
    "application.create",
    "candidatesWrite",
    Schema(
        {
            "candidateId": is_uuid,
            "jobId": is_uuid,
            "interviewPlanId": is_uuid,
            "interviewStageId": is_str,
            "sourceId": is_uuid,
            "creditedToUserId": is_uuid,
            "createdAt": is_datetime,
        },
        required=("candidateId", "jobId"),
    ),
)
def _application_create(state: AshbyState, key: ApiKey, body: dict[str, Any]) -> dict[str, Any]:
    candidate = state.candidate(body["candidateId"])
    job = state.job(body["jobId"])
    if any(a.job_id == job.id for a in state.applications_for(candidate.id)):
        raise ApiError(
            "application_already_exists", "The candidate has already been considered for this job"
        )
    now = state.clock.now()
    app = Application(state.ids.uuid(), candidate.id, job.id, now, now, state.bump())
    state.applications[app.id] = app
    candidate.application_ids.append(app.id)
    state.touch(candidate)
    return {"results": state.render_application(app)}


@rpc(
    "application.info",
    "candidatesRead",
    Schema(
        {"applicationId": is_uuid, "submittedFormInstanceId": is_uuid},
        any_of=("applicationId", "submittedFormInstanceId"),
    ),
)
def _application_info(state: AshbyState, key: ApiKey, body: dict[str, Any]) -> dict[str, Any]:
    app = state.applications.get(body.get("applicationId"))
    if app is None:
        raise ApiError("application_not_found", "No application exists with the given id")
    return {"results": state.render_application(app)}


@rpc(
    "application.list",
    "candidatesRead",
    Schema(
        {
            **PAGING,
            "createdAfter": is_int,
            "status": one_of("Hired", "Archived", "Active", "Lead"),
            "jobId": is_uuid,
        }
    ),
)
def _application_list(state: AshbyState, key: ApiKey, body: dict[str, Any]) -> dict[str, Any]:
    apps = list(state.applications.values())
    if body.get("jobId"):
        apps = [a for a in apps if a.job_id == body["jobId"]]
    if body.get("status"):
        apps = [a for a in apps if a.status == body["status"]]
    if body.get("createdAfter") is not None:
        after = body["createdAfter"] / 1000
        apps = [a for a in apps if a.created_at.timestamp() > after]
    return state.page("application.list", apps, body, state.render_application)


@rpc(
    "job.list",
    "jobsRead",
    Schema(
        {
            **PAGING,
            "status": list_of(one_of(*JOB_STATUSES)),
            "openedAfter": is_int,
            "openedBefore": is_int,
            "closedAfter": is_int,
            "closedBefore": is_int,
            "includeUnpublishedJobPostingsIds": is_bool,
        }
    ),
)
def _job_list(state: AshbyState, key: ApiKey, body: dict[str, Any]) -> dict[str, Any]:
    statuses = body.get("status") or DEFAULT_JOB_STATUSES
    jobs = [j for j in state.jobs.values() if j.status in statuses]
    return state.page("job.list", jobs, body, Job.to_api)


@rpc(
    "job.search",
    "jobsRead",
    Schema({"title": is_str, "requisitionId": is_str}, any_of=("title", "requisitionId")),
)
def _job_search(state: AshbyState, key: ApiKey, body: dict[str, Any]) -> dict[str, Any]:
    title = (body.get("title") or "").lower()
    requisition = body.get("requisitionId")
    found = [
        j
        for j in state.jobs.values()
        if title in j.title.lower() and (requisition is None or j.requisition_id == requisition)
    ]
    return {"results": [j.to_api() for j in found]}


@rpc("job.info", "jobsRead", Schema({"id": is_uuid}, required=("id",)))
def _job_info(state: AshbyState, key: ApiKey, body: dict[str, Any]) -> dict[str, Any]:
    return {"results": state.job(body["id"]).to_api()}


SET_VALUE_OBJECTS = ("Application", "Candidate", "Job", "Opening")


@rpc(
    "customField.setValue",
    "candidatesWrite",
    Schema(
        {"objectId": is_uuid, "objectType": is_str, "fieldId": is_uuid},
        required=("objectId", "objectType", "fieldId", "fieldValue"),
    ),
)
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
    candidate = state.candidate(body["objectId"])
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
        return parse_iso(value)
    except ValueError:
        return None


@rpc("customField.list", "hiringProcessMetadataRead", Schema(PAGING))
def _custom_field_list(state: AshbyState, key: ApiKey, body: dict[str, Any]) -> dict[str, Any]:
    fields = list(state.custom_fields.values())
    return state.page("customField.list", fields, body, CustomField.to_api)


# Any other method: 404 once the key is known (an endpoint without a permission is unknown).
routes.post("/{method}", label="{method}")(lambda state, key, body: {})


# --- HTTP layer -------------------------------------------------------------------------------


class AshbyApi(Api[AshbyState]):
    name = "ashby"
    routes = routes
    throttle = Fault(status=429, code="rate_limit_exceeded", message="Rate limit exceeded")

    async def credential(self, state: AshbyState, request: Request) -> str | None:
        key = _basic_username(request.headers.get("authorization"))
        return fingerprint(key) if key else None

    async def handle(
        self, state: AshbyState, endpoint: Endpoint, request: Request, call: Call
    ) -> Response:
        try:
            results = await _call(state, endpoint, request, call)
        except ApiError as exc:
            call.error = exc.code
            return exc.response()
        return JSONResponse({"success": True, **results})

    def failure(self, state: AshbyState, fault: Fault, request: Request) -> Response:
        status = fault.status or 503
        if status == 429:
            code, message = "rate_limit_exceeded", "Rate limit exceeded"
        else:
            code = "internal_server_error" if status >= 500 else "invalid_input"
            message = "Injected failure"
        error = ApiError(fault.code or code, fault.message or message, status=status)
        return error.response()


def _basic_username(header: str | None) -> str:
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "basic" or not token:
        return ""
    try:
        return base64.b64decode(token.strip(), validate=True).decode().partition(":")[0]
    except (binascii.Error, UnicodeDecodeError):
        return ""


def _authenticate(state: AshbyState, header: str | None) -> ApiKey:
    key = _basic_username(header)
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


async def _call(
    state: AshbyState, endpoint: Endpoint, request: Request, call: Call
) -> dict[str, Any]:
    key = _authenticate(state, request.headers.get("authorization"))
    permission = endpoint.options.get("permission")
    if permission is None:
        raise ApiError("resource_not_found", f"Unknown endpoint: {call.route}", status=404)
    if permission not in key.permissions:
        message = f"The API key is missing the {permission} permission for {call.route}"
        raise ApiError("missing_endpoint_permission", message, status=403)
    call.body = body = await _read_body(request)
    problem = endpoint.options["schema"].problem(body)
    if problem:
        raise ApiError("invalid_input", problem)
    return endpoint.handler(state, key, body)


def create_app(state: AshbyState | None = None) -> Starlette:
    """The emulated API as an ASGI app; ``app.state.ashby`` is the :class:`AshbyState`."""
    return build_app(AshbyApi(), state if state is not None else AshbyState())


def demo(origin: str) -> tuple[AshbyState, Demo]:
    state = AshbyState()
    key = f"demo_{state.ids.token(12)}"
    state.add_api_key(key, title="Demo key")
    jobs = [
        state.add_job("Senior Software Engineer"),
        state.add_job("Account Executive"),
        state.add_job("Product Designer", "Closed"),
    ]
    state.add_custom_field("Sequence", "String")
    state.add_custom_field("Seniority", "ValueSelect", selectable_values=("Junior", "Senior"))
    state.add_candidate("Jane Doe", "jane@example.com", alternate_emails=["jane.doe@work.example"])
    notes = [f"job {job.id}  {job.status:<6}  {job.title}" for job in jobs]
    return state, Demo("Ashby", origin, {"ASHBY_API_URL": origin}, {"API key": key}, notes)
