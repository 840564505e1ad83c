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

Tests seed a :class:`CrelateState`, serve it with ``httpx.ASGITransport(app=create_app(state))``,
count calls in ``state.calls`` (keyed ``"GET /contacts"``), inject faults with
``state.inject_fault`` and hold a route open with ``state.gates``. For demos:
``python -m bot.connectors.crelate.emulator --port 8766``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

__all__ = [
    "DEFAULT_RECORD_TYPE_BITS",
    "DEFAULT_STATUSES",
    "RECRUITING_WORKFLOW_ID",
    "ApiUser",
    "CrelateState",
    "Fault",
    "create_app",
    "main",
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


def _new_id() -> str:
    return str(uuid.uuid4())


@dataclass
class ApiUser:
    id: str
    full_name: str
    email: str
    enabled: bool = True


@dataclass
class Fault:
    """An injected failure: the next ``remaining`` calls of ``route`` (``"POST /contacts"``, or
    ``*`` for any) get ``status``; ``remaining=None`` keeps failing until cleared."""

    route: str
    status: int
    remaining: int | None
    retry_after: float | None = None
    message: str = "Injected failure"


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class CrelateState:
    """The emulated Crelate organisation, plus the test hooks."""

    def __init__(self, *, clock: Callable[[], datetime] | None = None):
        self.clock = clock or (lambda: datetime.now(UTC))
        self.record_type_bits = dict(DEFAULT_RECORD_TYPE_BITS)
        self.users: dict[str, ApiUser] = {}  # by API key
        self.contacts: dict[str, dict[str, Any]] = {}
        self.jobs: dict[str, dict[str, Any]] = {}
        self.statuses: list[dict[str, Any]] = []
        self.pipeline: dict[tuple[str, str], list[tuple[datetime, str]]] = {}
        self.activities: dict[str, dict[str, Any]] = {}
        self.activity_types: list[dict[str, Any]] = [
            {"Id": _new_id(), "Name": name} for name in ("Email", "Call", "Meeting", "Screen")
        ]
        self.tags: dict[str, dict[str, Any]] = {}
        self.faults: list[Fault] = []
        self.calls: Counter[str] = Counter()
        # Test hook: a request to a gated route waits until its event is set (to hold a call
        # open while something else happens, e.g. a second import being refused).
        self.gates: dict[str, asyncio.Event] = {}
        self.set_statuses(DEFAULT_STATUSES)

    # seeding ------------------------------------------------------------------------------

    def add_api_key(self, key: str, full_name: str = "Sam Recruiter") -> ApiUser:
        user = ApiUser(_new_id(), full_name, f"{full_name.split()[0].lower()}@agency.example")
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
                    "Id": kept.get(name) or _new_id(),
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
            tag = {"Id": _new_id(), "Title": tag_title, "TagCategoryId": {"Id": UNCATEGORISED}}
            self.tags[tag["Id"]] = tag
        contact = self.contacts[contact_id]
        bucket = (contact.get("Tags") or {}).setdefault(UNCATEGORISED, [])
        contact["Tags"] = {UNCATEGORISED: bucket}
        bucket.append({"Id": tag["Id"], "Title": tag["Title"]})

    def add_job(self, name: str, *, closed: bool = False, on_hold: bool = False) -> dict[str, Any]:
        job = {
            "Id": _new_id(),
            "Name": name,
            "JobCode": f"J{len(self.jobs) + 1:04d}",
            "NumberOfOpenings": 1,
            "CreatedOn": _iso(self.clock()),
            "IsOnHold": on_hold,
            "ClosedOn": _iso(self.clock()) if closed else None,
            "WorkflowTypeId": {"Id": RECRUITING_WORKFLOW_ID, "Title": "Recruiting"},
        }
        self.jobs[job["Id"]] = job
        return job

    def inject_fault(
        self,
        route: str = "*",
        *,
        status: int,
        times: int | None = 1,
        retry_after: float | None = None,
        message: str = "Injected failure",
    ) -> None:
        self.faults.append(Fault(route, status, times, retry_after, message))

    def clear_faults(self) -> None:
        self.faults.clear()

    # observing ----------------------------------------------------------------------------

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
        now = _iso(self.clock())
        contact = {**entity, "Id": _new_id(), "EntityStatus": 1, "CreatedOn": now}
        contact["ModifiedOn"] = now
        names = (entity.get("LastName"), entity.get("FirstName"))
        contact["Name"] = ", ".join(p for p in names if p)
        contact.setdefault("Tags", None)
        for slot in EMAIL_SLOTS:
            if isinstance(contact.get(slot), dict):
                contact[slot] = {"Id": _new_id(), "IsPrimary": True, **contact[slot]}
        if owner is not None:
            contact["Owners"] = [{"Id": owner.id, "Title": owner.full_name, "IsPrimary": True}]
            contact["CreatedById"] = {"Id": owner.id, "Title": owner.full_name}
        self.contacts[contact["Id"]] = contact
        return contact

    def _take_fault(self, route: str) -> Fault | None:
        for fault in self.faults:
            if fault.route in ("*", route):
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self.faults.remove(fault)
                return fault
        return None

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


@dataclass
class Call:
    state: CrelateState
    user: ApiUser
    request: Request
    body: Any = None
    total: int | None = None
    more: bool | None = None
    status: int = 200
    params: dict[str, str] = field(default_factory=dict)

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


def _users_self(call: Call) -> Any:
    user = call.user
    return {"Id": user.id, "FullName": user.full_name, "Email": user.email}


def _list_contacts(call: Call) -> Any:
    state = call.state
    items = list(state.contacts.values())
    emails = {e.lower() for e in _csv(call.param("emails"))}
    if emails:
        items = [c for c in items if _emails_of(c) & emails]
    ids = {i.lower() for i in _csv(call.param("ids"))}
    if ids:
        items = [c for c in items if c["Id"] in ids]
    if call.param("record_types"):
        try:
            bits = int(call.param("record_types") or 0)
        except ValueError as exc:
            raise ApiError(400, "record_types must be a number.") from exc
        items = [c for c in items if int(c.get("RecordType") or 0) & bits]
    tags = set(_csv(call.param("tag_names")))
    if tags:
        items = [c for c in items if tags & _tag_titles(c)]
    jobs = {j.lower() for j in _csv(call.param("job_ids"))}
    if jobs:
        items = [c for c in items if any((j, c["Id"]) in state.pipeline for j in jobs)]
    return call.page(items)


def _tag_titles(contact: dict[str, Any]) -> set[str]:
    return {t["Title"] for group in (contact.get("Tags") or {}).values() for t in group}


def _get_contact(call: Call) -> Any:
    return call.state._contact(call.path("id"))


def _contacts_info(call: Call) -> Any:
    types = [{"Value": bit, "Name": name} for name, bit in call.state.record_type_bits.items()]
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


def _create_contact(call: Call) -> Any:
    entity = call.entity()
    _check_contact(entity)
    call.status = 201
    return call.state._store_contact(entity, call.user)["Id"]


def _bulk_contacts(call: Call) -> Any:
    entities = call.body.get("entities") if isinstance(call.body, dict) else None
    if not isinstance(entities, list) or not all(isinstance(e, dict) for e in entities):
        raise ApiError(400, "The request body must be an object with 'entities'.")
    for entity in entities:  # all or nothing
        _check_contact(entity)
    call.status = 201
    return [call.state._store_contact(e, call.user)["Id"] for e in entities]


def _patch_contact(call: Call) -> Any:
    contact = call.state._contact(call.path("id"))
    contact.update({k: v for k, v in call.entity().items() if k != "Id"})
    contact["ModifiedOn"] = _iso(call.state.clock())
    return contact["Id"]


def _list_jobs(call: Call) -> Any:
    name = (call.param("name") or "").casefold()
    items = [j for j in call.state.jobs.values() if name in j["Name"].casefold()]
    return call.page(items)


def _get_job(call: Call) -> Any:
    return call.state._job(call.path("id"))


def _create_job(call: Call) -> Any:
    entity = call.entity()
    if not entity.get("Name"):
        raise ApiError(500, "The job could not be saved: Name is required.")
    job = call.state.add_job(str(entity["Name"]))
    call.status = 201
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


def _add_to_job(call: Call) -> Any:
    state = call.state
    job = state._job(call.path("id"))
    contact_ids = _csv(call.param("contact_ids"))
    if not contact_ids:
        raise ApiError(400, "contact_ids is required.")
    contacts = [state._contact(cid) for cid in contact_ids]
    status = _resolve_status(state, call.body)
    for contact in contacts:
        history = state.pipeline.setdefault((job["Id"], contact["Id"]), [])
        history.append((state.clock(), status["Id"]))
    return [c["Id"] for c in contacts]


def _job_history(call: Call) -> Any:
    state = call.state
    job = state._job(call.path("id"))
    contact = state._contact(call.param("contact_id") or "")
    history = state.pipeline.get((job["Id"], contact["Id"]))
    if not history:
        raise ApiError(404, "No pipeline history for this contact on this job.")
    names = {s["Id"]: s["Name"] for s in state.statuses}
    rows = [{"Date": _iso(d), "Stage": {"Id": s, "Title": names.get(s, "")}} for d, s in history]
    return call.page(list(reversed(rows)))


def _workflow_statuses(call: Call) -> Any:
    types = {t.lower() for t in _csv(call.param("workflow_type_ids"))}
    items = [s for s in call.state.statuses if not types or s["WorkflowTypeId"]["Id"] in types]
    return call.page(sorted(items, key=lambda s: (s["WorkflowTypeId"]["Id"], s["SortOrder"])))


def _activity_types(call: Call) -> Any:
    return call.page(list(call.state.activity_types))


def _list_activities(call: Call) -> Any:
    parents = {p.lower() for p in _csv(call.param("parent_ids"))}
    items = [
        a for a in call.state.activities.values() if not parents or a["ParentId"]["Id"] in parents
    ]
    return call.page(items)


def _create_activity(call: Call) -> Any:
    state = call.state
    entity = call.entity()
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
        "Id": _new_id(),
        "ParentId": {**parent, "Id": str(parent["Id"]).lower()},
        "Html": html,
        "CreatedOn": _iso(state.clock()),
        "CreatedById": {"Id": call.user.id, "Title": call.user.full_name},
    }
    activity.pop("HTML", None)
    state.activities[activity["Id"]] = activity
    return activity["Id"]


def _list_tags(call: Call) -> Any:
    return call.page(sorted(call.state.tags.values(), key=lambda t: t["Title"].casefold()))


ROUTES: list[tuple[str, str, Callable[[Call], Any]]] = [
    ("GET", "/users/self", _users_self),
    ("GET", "/contacts", _list_contacts),
    ("GET", "/contacts/info", _contacts_info),
    ("POST", "/contacts/bulk", _bulk_contacts),
    ("GET", "/contacts/{id}", _get_contact),
    ("POST", "/contacts", _create_contact),
    ("PATCH", "/contacts/{id}", _patch_contact),
    ("GET", "/jobs", _list_jobs),
    ("POST", "/jobs", _create_job),
    ("GET", "/jobs/{id}/contacts/history", _job_history),
    ("POST", "/jobs/{id}/contacts", _add_to_job),
    ("GET", "/jobs/{id}", _get_job),
    ("GET", "/workflowstatuses", _workflow_statuses),
    ("GET", "/activitytypes", _activity_types),
    ("GET", "/activities", _list_activities),
    ("POST", "/activities", _create_activity),
    ("GET", "/tags", _list_tags),
]


# --- HTTP layer -------------------------------------------------------------------------------


def _envelope(request: Request, data: Any, errors: list[str], call: Call | None) -> dict[str, Any]:
    return {
        "Data": data,
        "Errors": [{"Message": m} for m in errors],
        "Metadata": {
            "CorrelationId": _new_id(),
            "TimeStamp": _iso(datetime.now(UTC)),
            "Url": str(request.url),
            "Verb": request.method,
            "TotalRecords": call.total if call else None,
            "MoreRecords": call.more if call else None,
            "Links": None,
        },
    }


def _authenticate(state: CrelateState, request: Request) -> ApiUser:
    key = request.headers.get("x-api-key") or request.query_params.get("api_key") or ""
    user = state.users.get(key.strip())
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


def _endpoint(state: CrelateState, method: str, template: str, handler: Callable[[Call], Any]):
    route_key = f"{method} {template}"

    async def endpoint(request: Request) -> JSONResponse:
        state.calls[route_key] += 1
        call: Call | None = None
        gate = state.gates.get(route_key)
        if gate is not None:
            await gate.wait()
        try:
            fault = state._take_fault(route_key)
            if fault is not None:
                headers = {}
                if fault.retry_after is not None:
                    headers["Retry-After"] = f"{fault.retry_after:g}"
                raise ApiError(fault.status, fault.message, headers)
            user = _authenticate(state, request)
            call = Call(state, user, request, await _body(request))
            data = handler(call)
            return JSONResponse(_envelope(request, data, [], call), status_code=call.status)
        except ApiError as exc:
            payload = _envelope(request, None, [exc.message], call)
            return JSONResponse(payload, status_code=exc.status, headers=exc.headers)

    return endpoint


def create_app(state: CrelateState | None = None, *, prefix: str = "/api3") -> Starlette:
    """The emulated api3 as an ASGI app; ``app.state.crelate`` is the :class:`CrelateState`."""
    crelate = state if state is not None else CrelateState()
    routes = [
        Route(path, _endpoint(crelate, method, path, handler), methods=[method])
        for method, path, handler in ROUTES
    ]

    async def not_found(request: Request) -> JSONResponse:
        return JSONResponse(_envelope(request, None, ["Not found"], None), status_code=404)

    routes.append(Route("/{rest:path}", not_found, methods=["GET", "POST", "PATCH", "DELETE"]))
    app = Starlette(routes=[Mount(prefix, routes=routes)])
    app.state.crelate = crelate
    return app


# --- sandbox command --------------------------------------------------------------------------


def seed_demo(state: CrelateState, key: str) -> list[dict[str, Any]]:
    owner = state.add_api_key(key, "Demo Recruiter")
    state.set_statuses(["Sourced", "Messaged", "Replied", "Interested", "Not Interested"])
    jobs = [state.add_job("Senior Software Engineer"), state.add_job("Account Executive")]
    state.add_contact("Jane", "Doe", "jane@example.com", owner=owner, tags=["Q4 shortlist"])
    state.add_contact("No", "Email", None, owner=owner, tags=["Q4 shortlist"])
    return jobs


def main(argv: Sequence[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="Serve the Crelate api3 emulator on localhost.")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--key", default=None, help="API key to accept (default: random)")
    args = parser.parse_args(argv)
    key = args.key or f"demo_{secrets.token_hex(12)}"
    state = CrelateState()
    jobs = seed_demo(state, key)
    print(f"Crelate emulator on http://127.0.0.1:{args.port}/api3")
    print(f"  CRELATE_API_URL=http://127.0.0.1:{args.port}/api3")
    print(f"  API key: {key}")
    for job in jobs:
        print(f"  job {job['Id']}  {job['Name']}")
    uvicorn.run(create_app(state), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
