"""An in-memory emulator of Crelate's api3, built from the vendor notes (section 1 of
``vendor-apis/crelate-pcrecruiter-recruiterflow.md``).

Documented or practitioner-observed behaviour it follows:

* Everything lives under ``/api3``; the key is accepted as header ``X-Api-Key`` (any casing)
  or as query ``api_key``; a missing or unknown key gets HTTP 401.
* Every answer, errors included, is ``{"Data": ..., "Errors": [{"Message": ...}], "Metadata":
  {CorrelationId, TimeStamp, Url, Verb, TotalRecords, MoreRecords, Links}}``; ``Metadata.Url``
  echoes the request URL, query string included (which is why clients send the header).
* PascalCase fields; GUID ids; writes wrapped as ``{"entity": {...}}`` (bulk: ``entities``);
  ``POST /contacts`` answers 201 with the new id as ``Data``, ``POST /activities`` answers 200;
  ``PATCH`` is partial.
* ``limit`` (clamped to 100) and ``offset`` paging with ``TotalRecords``/``MoreRecords``.
* Contacts are one entity typed by the ``RecordType`` bitmask (1 Candidate, 2 Client Contact);
  filters ``emails``, ``ids``, ``record_types``, ``tag_names``, ``job_ids``.
* Jobs need a ``Name`` (missing required attributes → HTTP 500 naming them, as the vendor
  documents); unknown records → 404.
* Per-org workflow statuses with ``SortOrder`` (``GET /workflowstatuses``); ``POST
  /jobs/{id}/contacts?contact_ids=`` with ``statusId`` or ``statusName`` puts contacts on the
  pipeline, and re-posting moves the stage (an upsert); ``GET /jobs/{id}/contacts/history``.
* ``POST /activities`` with ``ParentId``, ``VerbId`` (``GET /activitytypes``), ``Subject``,
  ``Html``/``HTML``, ``Display``, ``When``.

Inferred and configurable (clients must not depend on them blindly): the Lead Contact and
Employee bits (4 and 8, in :attr:`CrelateState.record_type_bits`), the ``GET /users/self`` and
``GET /contacts/info`` shapes, the ``parent_ids`` filter of ``GET /activities``, ``GET /tags``
as the list source (api3 has no documented "Lists" endpoint; tags are used for imports),
comma-separated ``emails``, case-insensitive email matching, and which contact fields are
required (a first or last name).

Rate limits are not documented anywhere found, so none is set by default; when one is
configured the emulator answers 429 in the usual envelope with ``Retry-After`` (inferred).

Tests seed a :class:`CrelateState`; its calls are counted per ``"GET /contacts"``-style
route (the kernel's ``state.calls``), and ``state.gates`` holds a route open.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sandbox.kernel import (
    Api,
    Call,
    Clock,
    Demo,
    Endpoint,
    Fault,
    Routes,
    State,
    build_app,
    fingerprint,
)

__all__ = [
    "DEFAULT_RECORD_TYPE_BITS",
    "DEFAULT_STATUSES",
    "RECRUITING_WORKFLOW_ID",
    "ApiUser",
    "CrelateApi",
    "CrelateState",
    "create_app",
    "demo",
]

PAGE_MAX = 100
PAGE_DEFAULT = 50
RECRUITING_WORKFLOW_ID = "f6ef012f-998d-4132-b38b-a17a00b2b958"
SALES_WORKFLOW_ID = "0d4c7a2e-5f4b-4f5c-9a51-3c1b2f7e9a10"
DEFAULT_STATUSES = ("Sourced", "Reached Out", "Screening", "Submitted to Client", "Placed")
DEFAULT_RECORD_TYPE_BITS = {"Candidate": 1, "Client Contact": 2, "Lead Contact": 4, "Employee": 8}
EMAIL_SLOTS = (
    "EmailAddresses_Work",
    "EmailAddresses_Personal",
    "EmailAddresses_Other",
    "EmailAddresses_Work_Other",
    "EmailAddresses_Personal_Other",
    "EmailAddresses_Other_Alternate",
    "EmailAddresses_Potential",
)
UNCATEGORISED = "00000000-0000-0000-0000-000000000000"


def _iso(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0Z"


@dataclass
class ApiUser:
    id: str
    full_name: str
    email: str
    enabled: bool = True


class ApiError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class CrelateState(State):
    """The emulated Crelate organisation (kernel hooks: see ``State``)."""

    def __init__(self, *, clock: Clock | None = None, seed: int | None = None):
        super().__init__(clock=clock, seed=seed)
        self.record_type_bits = dict(DEFAULT_RECORD_TYPE_BITS)
        self.users: dict[str, ApiUser] = {}  # by API key
        self.contacts: dict[str, dict[str, Any]] = {}
        self.jobs: dict[str, dict[str, Any]] = {}
        self.statuses: list[dict[str, Any]] = []
        self.pipeline: dict[tuple[str, str], list[tuple[datetime, str]]] = {}
        self.activities: dict[str, dict[str, Any]] = {}
        self.activity_types: list[dict[str, Any]] = [
            {"Id": self.ids.uuid(), "Name": name} for name in ("Email", "Call", "Meeting", "Screen")
        ]
        self.tags: dict[str, dict[str, Any]] = {}
        self.set_statuses(DEFAULT_STATUSES)

    # seeding ------------------------------------------------------------------------------

    def add_api_key(self, key: str, full_name: str = "Sam Recruiter") -> ApiUser:
        user = ApiUser(self.ids.uuid(), full_name, f"{full_name.split()[0].lower()}@agency.example")
        self.users[key] = user
        return user

    def revoke_api_key(self, key: str) -> None:
        self.users[key].enabled = False

    def set_statuses(self, names: Iterable[str], workflow_id: str = RECRUITING_WORKFLOW_ID) -> None:
        """Replace the statuses of one workflow (the org's configuration); a status that stays
        keeps its id."""
        kept = {
            s["Name"]: s["Id"] for s in self.statuses if s["WorkflowTypeId"]["Id"] == workflow_id
        }
        self.statuses = [s for s in self.statuses if s["WorkflowTypeId"]["Id"] != workflow_id]
        title = "Recruiting" if workflow_id == RECRUITING_WORKFLOW_ID else "Sales"
        for order, name in enumerate(names):
            self.statuses.append(
                {
                    "Id": kept.get(name) or self.ids.uuid(),
                    "Name": name,
                    "SortOrder": order,
                    "WorkflowTypeId": {"Id": workflow_id, "Title": title},
                }
            )

    def add_contact(
        self,
        first: str,
        last: str,
        email: str | None = None,
        *,
        record_type: int = 1,
        owner: ApiUser | None = None,
        tags: Sequence[str] = (),
        slot: str = "EmailAddresses_Work",
    ) -> dict[str, Any]:
        entity: dict[str, Any] = {"FirstName": first, "LastName": last, "RecordType": record_type}
        if email:
            entity[slot] = {"Value": email, "IsPrimary": True}
        contact = self._store_contact(entity, owner)
        for tag in tags:
            self.tag_contact(contact["Id"], tag)
        return contact

    def tag_contact(self, contact_id: str, tag_title: str) -> None:
        tag = next((t for t in self.tags.values() if t["Title"] == tag_title), None)
        if tag is None:
            tag = {
                "Id": self.ids.uuid(),
                "Title": tag_title,
                "TagCategoryId": {"Id": UNCATEGORISED},
            }
            self.tags[tag["Id"]] = tag
        contact = self.contacts[contact_id]
        bucket = (contact.get("Tags") or {}).setdefault(UNCATEGORISED, [])
        contact["Tags"] = {UNCATEGORISED: bucket}
        bucket.append({"Id": tag["Id"], "Title": tag["Title"]})

    def add_job(self, name: str, *, closed: bool = False, on_hold: bool = False) -> dict[str, Any]:
        job = {
            "Id": self.ids.uuid(),
            "Name": name,
            "JobCode": f"J{len(self.jobs) + 1:04d}",
            "NumberOfOpenings": 1,
            "CreatedOn": _iso(self.clock.now()),
            "IsOnHold": on_hold,
            "ClosedOn": _iso(self.clock.now()) if closed else None,
            "WorkflowTypeId": {"Id": RECRUITING_WORKFLOW_ID, "Title": "Recruiting"},
        }
        self.jobs[job["Id"]] = job
        return job

    # observing ----------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        pipeline = [
            {"JobId": job, "ContactId": contact, "Stages": self.stage_names(job, contact)}
            for job, contact in self.pipeline
        ]
        return {
            "contacts": list(self.contacts.values()),
            "jobs": list(self.jobs.values()),
            "pipeline": pipeline,
            "activities": list(self.activities.values()),
            "tags": list(self.tags.values()),
            "statuses": self.statuses,
        }

    def contacts_with_email(self, email: str) -> list[dict[str, Any]]:
        return [c for c in self.contacts.values() if email.lower() in _emails_of(c)]

    def jobs_of(self, contact_id: str) -> list[str]:
        return [job for (job, contact) in self.pipeline if contact == contact_id]

    def stage_names(self, job_id: str, contact_id: str) -> list[str]:
        """Every stage the contact was put in on the job, oldest first."""
        names = {s["Id"]: s["Name"] for s in self.statuses}
        return [names.get(sid, sid) for _, sid in self.pipeline.get((job_id, contact_id), [])]

    def activities_of(self, contact_id: str) -> list[dict[str, Any]]:
        return [a for a in self.activities.values() if a["ParentId"]["Id"] == contact_id]

    # internals ----------------------------------------------------------------------------

    def _store_contact(self, entity: dict[str, Any], owner: ApiUser | None) -> dict[str, Any]:
        now = _iso(self.clock.now())
        contact = {**entity, "Id": self.ids.uuid(), "EntityStatus": 1, "CreatedOn": now}
        contact["ModifiedOn"] = now
        names = (entity.get("LastName"), entity.get("FirstName"))
        contact["Name"] = ", ".join(p for p in names if p)
        contact.setdefault("Tags", None)
        for slot in EMAIL_SLOTS:
            if isinstance(contact.get(slot), dict):
                contact[slot] = {"Id": self.ids.uuid(), "IsPrimary": True, **contact[slot]}
        if owner is not None:
            contact["Owners"] = [{"Id": owner.id, "Title": owner.full_name, "IsPrimary": True}]
            contact["CreatedById"] = {"Id": owner.id, "Title": owner.full_name}
        self.contacts[contact["Id"]] = contact
        return contact

    def _contact(self, contact_id: str) -> dict[str, Any]:
        contact = self.contacts.get(contact_id.lower())
        if contact is None:
            raise ApiError(404, f"Contact {contact_id} was not found.")
        return contact

    def _job(self, job_id: str) -> dict[str, Any]:
        job = self.jobs.get(job_id.lower())
        if job is None:
            raise ApiError(404, f"Job {job_id} was not found.")
        return job


def _emails_of(contact: dict[str, Any]) -> set[str]:
    return {
        str(contact[slot]["Value"]).strip().lower()
        for slot in EMAIL_SLOTS
        if isinstance(contact.get(slot), dict) and contact[slot].get("Value")
    }


def _csv(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


# --- handlers ---------------------------------------------------------------------------------

routes = Routes()


@dataclass
class Context:
    """One request as a handler sees it; ``total``/``more`` go into ``Metadata``."""

    state: CrelateState
    user: ApiUser
    request: Request
    body: Any = None
    total: int | None = None
    more: bool | None = None
    status: int = 200

    def param(self, name: str) -> str | None:
        return self.request.query_params.get(name)

    def path(self, name: str) -> str:
        return self.request.path_params[name]

    def entity(self) -> dict[str, Any]:
        if not isinstance(self.body, dict) or not isinstance(self.body.get("entity"), dict):
            raise ApiError(400, "The request body must be an object with an 'entity'.")
        return self.body["entity"]

    def page(self, items: list[Any]) -> list[Any]:
        try:
            limit = int(self.param("limit") or PAGE_DEFAULT)
            offset = int(self.param("offset") or 0)
        except ValueError as exc:
            raise ApiError(400, "limit and offset must be whole numbers.") from exc
        if limit < 1 or offset < 0:
            raise ApiError(400, "limit must be positive and offset not negative.")
        limit = min(limit, PAGE_MAX)
        self.total = len(items)
        self.more = offset + limit < len(items)
        return items[offset : offset + limit]


@routes.get("/users/self")
def _users_self(ctx: Context) -> Any:
    user = ctx.user
    return {"Id": user.id, "FullName": user.full_name, "Email": user.email}


@routes.get("/contacts")
def _list_contacts(ctx: Context) -> Any:
    state = ctx.state
    items = list(state.contacts.values())
    emails = {e.lower() for e in _csv(ctx.param("emails"))}
    if emails:
        items = [c for c in items if _emails_of(c) & emails]
    ids = {i.lower() for i in _csv(ctx.param("ids"))}
    if ids:
        items = [c for c in items if c["Id"] in ids]
    if ctx.param("record_types"):
        try:
            bits = int(ctx.param("record_types") or 0)
        except ValueError as exc:
            raise ApiError(400, "record_types must be a number.") from exc
        items = [c for c in items if int(c.get("RecordType") or 0) & bits]
    tags = set(_csv(ctx.param("tag_names")))
    if tags:
        items = [c for c in items if tags & _tag_titles(c)]
    jobs = {j.lower() for j in _csv(ctx.param("job_ids"))}
    if jobs:
        items = [c for c in items if any((j, c["Id"]) in state.pipeline for j in jobs)]
    return ctx.page(items)


def _tag_titles(contact: dict[str, Any]) -> set[str]:
    return {t["Title"] for group in (contact.get("Tags") or {}).values() for t in group}


@routes.get("/contacts/{id}")
def _get_contact(ctx: Context) -> Any:
    return ctx.state._contact(ctx.path("id"))


@routes.get("/contacts/info")
def _contacts_info(ctx: Context) -> Any:
    types = [{"Value": bit, "Name": name} for name, bit in ctx.state.record_type_bits.items()]
    fields = [
        {"Name": "FirstName", "DisplayName": "First Name", "FieldType": "Text", "Required": False},
        {"Name": "LastName", "DisplayName": "Last Name", "FieldType": "Text", "Required": False},
        {"Name": "Description", "DisplayName": "Description", "FieldType": "TextArea"},
        {"Name": "ExternalPrimaryKey", "DisplayName": "External Key", "FieldType": "Text"},
        {"Name": "EmailAddresses_Work", "DisplayName": "Work Email", "FieldType": "Email"},
        {"Name": "PhoneNumbers_Mobile", "DisplayName": "Mobile Phone", "FieldType": "Phone"},
        {"Name": "Websites_LinkedIn", "DisplayName": "LinkedIn", "FieldType": "Url"},
    ]
    return {"RecordTypes": types, "Fields": fields}


def _check_contact(entity: dict[str, Any]) -> None:
    if not (entity.get("FirstName") or entity.get("LastName")):
        raise ApiError(500, "The contact could not be saved: FirstName or LastName is required.")
    for slot in EMAIL_SLOTS:
        value = entity.get(slot)
        valid = isinstance(value, dict) and "@" in str(value.get("Value"))
        if value is not None and not valid:
            raise ApiError(400, f"{slot} must be an object with an email Value.")


@routes.post("/contacts")
def _create_contact(ctx: Context) -> Any:
    entity = ctx.entity()
    _check_contact(entity)
    ctx.status = 201
    return ctx.state._store_contact(entity, ctx.user)["Id"]


@routes.post("/contacts/bulk")
def _bulk_contacts(ctx: Context) -> Any:
    entities = ctx.body.get("entities") if isinstance(ctx.body, dict) else None
    if not isinstance(entities, list) or not all(isinstance(e, dict) for e in entities):
        raise ApiError(400, "The request body must be an object with 'entities'.")
    for entity in entities:  # all or nothing
        _check_contact(entity)
    ctx.status = 201
    return [ctx.state._store_contact(e, ctx.user)["Id"] for e in entities]


@routes.patch("/contacts/{id}")
def _patch_contact(ctx: Context) -> Any:
    contact = ctx.state._contact(ctx.path("id"))
    contact.update({k: v for k, v in ctx.entity().items() if k != "Id"})
    contact["ModifiedOn"] = _iso(ctx.state.clock.now())
    return contact["Id"]


@routes.get("/jobs")
def _list_jobs(ctx: Context) -> Any:
    name = (ctx.param("name") or "").casefold()
    items = [j for j in ctx.state.jobs.values() if name in j["Name"].casefold()]
    return ctx.page(items)


@routes.get("/jobs/{id}")
def _get_job(ctx: Context) -> Any:
    return ctx.state._job(ctx.path("id"))


@routes.post("/jobs")
def _create_job(ctx: Context) -> Any:
    entity = ctx.entity()
    if not entity.get("Name"):
        raise ApiError(500, "The job could not be saved: Name is required.")
    job = ctx.state.add_job(str(entity["Name"]))
    ctx.status = 201
    return job["Id"]


def _resolve_status(state: CrelateState, body: Any) -> dict[str, Any]:
    body = body if isinstance(body, dict) else {}
    status_id, status_name = body.get("statusId"), body.get("statusName")
    recruiting = [s for s in state.statuses if s["WorkflowTypeId"]["Id"] == RECRUITING_WORKFLOW_ID]
    if status_id:
        match = [s for s in state.statuses if s["Id"] == str(status_id).lower()]
    elif status_name:
        match = [s for s in recruiting if s["Name"] == status_name]
    else:
        match = sorted(recruiting, key=lambda s: s["SortOrder"])[:1]
    if not match:
        raise ApiError(400, f"Unknown workflow status {status_id or status_name!r}.")
    return match[0]


@routes.post("/jobs/{id}/contacts")
def _add_to_job(ctx: Context) -> Any:
    state = ctx.state
    job = state._job(ctx.path("id"))
    contact_ids = _csv(ctx.param("contact_ids"))
    if not contact_ids:
        raise ApiError(400, "contact_ids is required.")
    contacts = [state._contact(cid) for cid in contact_ids]
    status = _resolve_status(state, ctx.body)
    for contact in contacts:
        history = state.pipeline.setdefault((job["Id"], contact["Id"]), [])
        history.append((state.clock.now(), status["Id"]))
    return [c["Id"] for c in contacts]


@routes.get("/jobs/{id}/contacts/history")
def _job_history(ctx: Context) -> Any:
    state = ctx.state
    job = state._job(ctx.path("id"))
    contact = state._contact(ctx.param("contact_id") or "")
    history = state.pipeline.get((job["Id"], contact["Id"]))
    if not history:
        raise ApiError(404, "No pipeline history for this contact on this job.")
    names = {s["Id"]: s["Name"] for s in state.statuses}
    rows = [{"Date": _iso(d), "Stage": {"Id": s, "Title": names.get(s, "")}} for d, s in history]
    return ctx.page(list(reversed(rows)))


@routes.get("/workflowstatuses")
def _workflow_statuses(ctx: Context) -> Any:
    types = {t.lower() for t in _csv(ctx.param("workflow_type_ids"))}
    items = [s for s in ctx.state.statuses if not types or s["WorkflowTypeId"]["Id"] in types]
    return ctx.page(sorted(items, key=lambda s: (s["WorkflowTypeId"]["Id"], s["SortOrder"])))


@routes.get("/activitytypes")
def _activity_types(ctx: Context) -> Any:
    return ctx.page(list(ctx.state.activity_types))


@routes.get("/activities")
def _list_activities(ctx: Context) -> Any:
    parents = {p.lower() for p in _csv(ctx.param("parent_ids"))}
    items = [
        a for a in ctx.state.activities.values() if not parents or a["ParentId"]["Id"] in parents
    ]
    return ctx.page(items)


@routes.post("/activities")
def _create_activity(ctx: Context) -> Any:
    state = ctx.state
    entity = ctx.entity()
    parent = entity.get("ParentId")
    if not isinstance(parent, dict) or not parent.get("Id"):
        raise ApiError(500, "The activity could not be saved: ParentId is required.")
    state._contact(str(parent["Id"]))
    verb = entity.get("VerbId")
    known = {t["Id"] for t in state.activity_types}
    if not isinstance(verb, dict) or str(verb.get("Id", "")).lower() not in known:
        raise ApiError(400, "VerbId must name an activity type.")
    html = entity.get("Html", entity.get("HTML"))
    activity = {
        **entity,
        "Id": state.ids.uuid(),
        "ParentId": {**parent, "Id": str(parent["Id"]).lower()},
        "Html": html,
        "CreatedOn": _iso(state.clock.now()),
        "CreatedById": {"Id": ctx.user.id, "Title": ctx.user.full_name},
    }
    activity.pop("HTML", None)
    state.activities[activity["Id"]] = activity
    return activity["Id"]


@routes.get("/tags")
def _list_tags(ctx: Context) -> Any:
    return ctx.page(sorted(ctx.state.tags.values(), key=lambda t: t["Title"].casefold()))


@routes.route(("GET", "POST", "PATCH", "DELETE"), "/{rest:path}", label="unknown")
def _unknown(ctx: Context) -> Any:
    raise ApiError(404, "Not found")


# --- HTTP layer -------------------------------------------------------------------------------


class CrelateApi(Api[CrelateState]):
    name = "crelate"
    routes = routes
    prefix = "/api3"
    secret_params = frozenset({"api_key"})

    async def credential(self, state: CrelateState, request: Request) -> str | None:
        key = _key(request)
        return fingerprint(key) if key else None

    async def handle(
        self, state: CrelateState, endpoint: Endpoint, request: Request, call: Call
    ) -> Response:
        ctx: Context | None = None
        try:
            ctx = Context(state, _authenticate(state, request), request, await _body(request))
            call.body = ctx.body
            data = endpoint.handler(ctx)
            return JSONResponse(_envelope(state, request, data, [], ctx), status_code=ctx.status)
        except ApiError as exc:
            call.error = exc.message
            return _error(state, request, exc.status, exc.message, ctx)

    def failure(self, state: CrelateState, fault: Fault, request: Request) -> Response:
        return _error(state, request, fault.status or 503, fault.message or "Injected failure")


def _error(
    state: CrelateState, request: Request, status: int, message: str, ctx: Context | None = None
) -> Response:
    return JSONResponse(_envelope(state, request, None, [message], ctx), status_code=status)


def _envelope(
    state: CrelateState, request: Request, data: Any, errors: list[str], ctx: Context | None
) -> dict[str, Any]:
    return {
        "Data": data,
        "Errors": [{"Message": m} for m in errors],
        "Metadata": {
            "CorrelationId": state.ids.uuid(),
            "TimeStamp": _iso(state.clock.now()),
            "Url": str(request.url),
            "Verb": request.method,
            "TotalRecords": ctx.total if ctx else None,
            "MoreRecords": ctx.more if ctx else None,
            "Links": None,
        },
    }


def _key(request: Request) -> str:
    return (request.headers.get("x-api-key") or request.query_params.get("api_key") or "").strip()


def _authenticate(state: CrelateState, request: Request) -> ApiUser:
    user = state.users.get(_key(request))
    if user is None or not user.enabled:
        raise ApiError(401, "Unauthorized")
    return user


async def _body(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise ApiError(400, "The request body is not valid JSON.") from exc


def create_app(state: CrelateState | None = None, *, prefix: str = "/api3") -> Starlette:
    """The emulated api3 as an ASGI app; ``app.state.crelate`` is the :class:`CrelateState`."""
    return build_app(CrelateApi(prefix), state if state is not None else CrelateState())


def demo(origin: str) -> tuple[CrelateState, Demo]:
    state = CrelateState()
    key = f"demo_{state.ids.token(12)}"
    owner = state.add_api_key(key, "Demo Recruiter")
    state.set_statuses(["Sourced", "Messaged", "Replied", "Interested", "Not Interested"])
    jobs = [state.add_job("Senior Software Engineer"), state.add_job("Account Executive")]
    state.add_contact("Jane", "Doe", "jane@example.com", owner=owner, tags=["Q4 shortlist"])
    state.add_contact("No", "Email", None, owner=owner, tags=["Q4 shortlist"])
    url = f"{origin}/api3"
    notes = [f"job {job['Id']}  {job['Name']}" for job in jobs]
    return state, Demo("Crelate", origin, {"CRELATE_API_URL": url}, {"API key": key}, notes)
