"""The Recruiterflow external API, for tests and local demos.

Follows the vendor contract the connector relies on (section 3 of
``vendor-apis/crelate-pcrecruiter-recruiterflow.md``): ``/api/external``
paths, the ``RF-Api-Key`` header (400 "Please supply an API key" when missing, 401
"Invalid API key" when wrong), snake_case bodies, integer ids, bare-array lists that switch to
``{"data", "total_items"}`` with ``include_count=true``, ``items_per_page``/``current_page``
paging, ``{"RESULT": "SUCCESS"|"FAILURE", "message"}`` write answers, "Sourced" as the stage
``add-to-job`` lands in, custom-activity type validation, and ``"None"`` strings in search
rows. Search filters accept ``type``/``filter_type`` and ``in``/``is``/``contains``.
Rate limits are not documented and no rate-limit headers are sent: no limit is set by
default, and a configured one answers a bare 429.

Calls are labelled by their path under ``/api/external`` (``candidate/add``);
``state.search_lag`` hides records created through the API from that many searches (the
vendor's lagging index).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

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

__all__ = ["Person", "RecruiterflowApi", "RecruiterflowState", "create_app", "demo"]

PREFIX = "/api/external"
STAGES = ("Sourced", "Applied", "Phone Screen", "Interview", "Disqualified", "Offer", "Hired")
NOTE_TYPE = {"id": 1, "name": "Note"}


@dataclass
class Person:
    id: int
    kind: str  # "candidate" | "contact"
    first_name: str
    last_name: str
    emails: list[str]
    fields: dict[str, Any] = field(default_factory=dict)
    custom_fields: list[dict[str, Any]] = field(default_factory=list)
    jobs: list[int] = field(default_factory=list)
    searchable_after: int = 0

    def to_api(self, state: RecruiterflowState, *, search: bool = False) -> dict[str, Any]:
        none = "None" if search else None
        row = {
            "id": self.id,
            "prospect_id": self.id,
            "prospect_type_id": 1 if self.kind == "candidate" else 2,
            "name": f"{self.first_name} {self.last_name}".strip(),
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": [{"email": e, "is_primary": int(i == 0)} for i, e in enumerate(self.emails)],
            "current_designation": self.fields.get("title", none),
            "current_organization": self.fields.get("organization", none),
            "linkedin_profile": self.fields.get("linkedin_profile", none),
            "source_name": self.fields.get("source", none),
            "custom_fields": self.custom_fields,
        }
        if self.kind == "candidate":
            row["jobs"] = [state.job_entry(j, self.id) for j in self.jobs]
        return row


@dataclass
class Job:
    id: int
    name: str
    is_open: bool = True
    pipeline: dict[int, str] = field(default_factory=dict)  # candidate id -> stage name


@dataclass
class Activity:
    activity_id: int
    kind: str
    entity_id: int
    type: dict[str, Any]
    text: str
    time: str
    is_custom: bool


class ApiError(Exception):
    def __init__(self, status: int, body: dict[str, Any]):
        super().__init__(body)
        self.status, self.body = status, body

    def response(self) -> JSONResponse:
        return JSONResponse(self.body, status_code=self.status)


def failure(message: str, status: int = 400) -> ApiError:
    return ApiError(status, {"RESULT": "FAILURE", "message": message})


class RecruiterflowState(State):
    """Everything the emulated account holds (kernel hooks: see ``State``)."""

    def __init__(
        self,
        display_name: str = "RF (company)",
        *,
        clock: Clock | None = None,
        seed: int | None = None,
    ):
        super().__init__(clock=clock, seed=seed, first_id=1001)
        self.display_name = display_name
        self.api_keys: set[str] = set()
        self.people: dict[int, Person] = {}
        self.jobs: dict[int, Job] = {}
        self.custom_fields: dict[str, list[dict[str, Any]]] = {"candidate": [], "contact": []}
        self.activity_types: list[dict[str, Any]] = [
            {"id": 1, "name": "Note", "category": "Communication", "is_custom": False},
            {"id": 2, "name": "Email", "category": "Communication", "is_custom": False},
        ]
        self.activities: list[Activity] = []
        self.search_lag = 0
        self.searches = 0

    # seeding ------------------------------------------------------------------------------

    def add_api_key(self, key: str) -> None:
        self.api_keys.add(key)

    def revoke_api_key(self, key: str) -> None:
        self.api_keys.discard(key)

    def add_person(self, kind: str, first: str, last: str, *emails: str) -> Person:
        person = Person(self.ids.number(), kind, first, last, list(emails))
        self.people[person.id] = person
        return person

    def add_candidate(self, first: str, last: str, *emails: str) -> Person:
        return self.add_person("candidate", first, last, *emails)

    def add_contact(self, first: str, last: str, *emails: str) -> Person:
        return self.add_person("contact", first, last, *emails)

    def add_job(self, name: str, *, is_open: bool = True) -> Job:
        job = Job(self.ids.number(), name, is_open)
        self.jobs[job.id] = job
        return job

    def add_custom_field(self, kind: str, name: str, type_: str, choices: Sequence[str] = ()):
        spec = {
            "id": self.ids.number(),
            "name": name,
            "type": type_,
            "choices": [{"id": self.ids.number(), "name": c} for c in choices],
        }
        self.custom_fields[kind].append(spec)
        return spec

    def add_activity_type(self, name: str) -> dict[str, Any]:
        kind = {
            "id": 1000 + len([t for t in self.activity_types if t["is_custom"]]) + 1,
            "name": name,
            "category": "Custom",
            "is_custom": True,
            "track_last_contacted": True,
            "track_last_engaged": False,
        }
        self.activity_types.append(kind)
        return kind

    # inspection ---------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        return {
            "people": [p.to_api(self) for p in self.people.values()],
            "jobs": [asdict(j) for j in self.jobs.values()],
            "activities": [asdict(a) for a in self.activities],
            "custom_fields": self.custom_fields,
            "activity_types": self.activity_types,
        }

    def people_with_email(self, email: str, kind: str | None = None) -> list[Person]:
        return [
            p
            for p in self.people.values()
            if email.lower() in (e.lower() for e in p.emails) and kind in (None, p.kind)
        ]

    def activities_of(self, person_id: int) -> list[Activity]:
        return [a for a in self.activities if a.entity_id == person_id]

    def job_entry(self, job_id: int, person_id: int) -> dict[str, Any]:
        job = self.jobs[job_id]
        stage = job.pipeline.get(person_id, "Sourced")
        return {
            "job_id": job.id,
            "name": job.name,
            "stage_name": stage,
            "is_open": job.is_open,
            "stages": [{"id": i + 1, "name": s, "rank": i} for i, s in enumerate(STAGES)],
        }

    # internals ----------------------------------------------------------------------------

    def person(self, kind: str, value: Any) -> Person:
        try:
            person = self.people.get(int(value))
        except (TypeError, ValueError):
            person = None
        if person is None or person.kind != kind:
            raise failure(f"Invalid {kind} id.", 404)
        return person

    def now(self) -> str:
        return self.clock.now().strftime("%Y-%m-%dT%H:%M:%S+0000")


# --- handlers --------------------------------------------------------------------------------

Handler = Callable[[RecruiterflowState, str, dict[str, Any], dict[str, str]], Any]
H = TypeVar("H", bound=Handler)
routes = Routes()


def route(method: str, path: str, **options: Any) -> Callable[[H], H]:
    """Declare ``<method> /api/external/<path>``, labelled ``path`` in the call log."""
    return routes.route(method, f"/{path}", label=path, **options)


def people(method: str, name: str) -> Callable[[H], H]:
    """Declare the endpoint for both person kinds: ``candidate/<name>``, ``contact/<name>``."""

    def add(handler: H) -> H:
        for kind in ("candidate", "contact"):
            route(method, f"{kind}/{name}", kind=kind)(handler)
        return handler

    return add


def _page(rows: list[dict[str, Any]], args: dict[str, Any], always_wrap: bool = False) -> Any:
    try:
        size = max(1, int(args.get("items_per_page") or 10))
        page = max(1, int(args.get("current_page") or 1))
    except (TypeError, ValueError):
        raise failure("items_per_page and current_page must be numbers.") from None
    chunk = rows[(page - 1) * size : page * size]
    counted = str(args.get("include_count", "")).lower() in ("true", "1")
    if counted or always_wrap:
        return {"data": chunk, "total_items": len(rows)}
    return chunk


@route("POST", "info")
def _info(state: RecruiterflowState, kind: str, body: dict, query: dict) -> Any:
    return {"data": {"display_name": state.display_name}}


def _matches(person: Person, flt: dict[str, Any]) -> bool:
    key = flt.get("key")
    values = [str(v).lower() for v in flt.get("values") or []]
    op = flt.get("conjunction") or flt.get("filter_type") or "is"
    if key != "email":
        raise failure(f"Unsupported filter key {key!r}.")
    have = [e.lower() for e in person.emails]
    if op in ("in", "is"):
        return any(v in have for v in values)
    if op == "contains":
        return any(v in e for v in values for e in have)
    raise failure(f"Unsupported filter conjunction {op!r}.")


@people("POST", "search")
def _search(state: RecruiterflowState, kind: str, body: dict, query: dict) -> Any:
    for required in ("conjunction", "current_page", "items_per_page"):
        if required not in body:
            raise failure(f"{required} is required.")
    filters = body.get("filters") or []
    combine = all if body["conjunction"] == "match-all" else any
    state.searches += 1
    rows = [
        p.to_api(state, search=True)
        for p in state.people.values()
        if p.kind == kind
        and p.searchable_after < state.searches
        and combine(_matches(p, f) for f in filters)
    ]
    return _page(rows, {**body, "include_count": body.get("include_count")})


@people("POST", "add")
def _add(state: RecruiterflowState, kind: str, body: dict, query: dict) -> Any:
    emails = [e.get("email") if isinstance(e, dict) else e for e in body.get("email") or []]
    first = body.get("first_name") or (body.get("name") or "").split(" ")[0]
    if not (first or body.get("name")):
        raise failure("Name is required.")
    if any(not isinstance(e, str) or "@" not in e for e in emails):
        raise failure("Invalid email address.")
    known = {c["id"] for c in state.custom_fields[kind]}
    for custom in body.get("custom_fields") or []:
        if custom.get("id") not in known:
            raise failure(f"Invalid custom field id {custom.get('id')}.")
    person = state.add_person(kind, first, body.get("last_name") or "", *emails)
    simple = ("title", "organization", "linkedin_profile", "source", "client_company", "location")
    person.fields = {k: body[k] for k in simple if k in body}
    person.custom_fields = list(body.get("custom_fields") or [])
    person.searchable_after = state.searches + state.search_lag
    return {"RESULT": "SUCCESS", "data": {"id": person.id}}


@people("GET", "get")
def _get(state: RecruiterflowState, kind: str, body: dict, query: dict) -> Any:
    person = state.person(kind, query.get("id"))
    return [person.to_api(state)]


@people("GET", "list")
def _list(state: RecruiterflowState, kind: str, body: dict, query: dict) -> Any:
    rows = [p.to_api(state) for p in state.people.values() if p.kind == kind]
    return _page(rows, query)


@route("POST", "candidate/add-to-job")
def _add_to_job(state: RecruiterflowState, kind: str, body: dict, query: dict) -> Any:
    person = state.person("candidate", body.get("id"))
    job = state.jobs.get(body.get("job_id"))
    if job is None:
        raise failure("Invalid job id.", 404)
    if job.id in person.jobs:
        raise failure("Candidate is already added to this job.")
    person.jobs.append(job.id)
    job.pipeline[person.id] = "Sourced"
    return {"RESULT": "SUCCESS"}


@route("GET", "job/list")
def _job_list(state: RecruiterflowState, kind: str, body: dict, query: dict) -> Any:
    only_open = str(query.get("only_open", "")) in ("1", "true")
    rows = [
        {
            "id": j.id,
            "name": j.name,
            "title": j.name,
            "is_open": j.is_open,
            "job_status": {"id": 1 if j.is_open else 2, "name": "Open" if j.is_open else "Closed"},
        }
        for j in state.jobs.values()
        if j.is_open or not only_open
    ]
    return _page(rows, query)


@people("GET", "custom-field/list")
def _custom_field_list(state: RecruiterflowState, kind: str, body: dict, query: dict) -> Any:
    rows = state.custom_fields[kind]
    return {"data": rows, "total_items": len(rows)}


@people("GET", "activity-type/list")
def _activity_types(state: RecruiterflowState, kind: str, body: dict, query: dict) -> Any:
    return {"data": state.activity_types}


@route("POST", "custom-activity/create")
def _custom_activity(state: RecruiterflowState, kind: str, body: dict, query: dict) -> Any:
    type_id = body.get("activity_type_id")
    chosen = next((t for t in state.activity_types if t["id"] == type_id), None)
    if chosen is None:
        raise failure("Invalid activity type id.", 404)
    if not chosen["is_custom"]:
        raise failure("Only custom activity types can be created.")
    entities = body.get("associated_entities") or {}
    targets = [("candidate", i) for i in entities.get("candidates") or []]
    targets += [("contact", i) for i in entities.get("contacts") or []]
    if not targets:
        raise failure("associated_entities must name a record.")
    activity_id = state.ids.number()
    for target_kind, target in targets:
        person = state.person(target_kind, target)
        state.activities.append(
            Activity(
                activity_id,
                target_kind,
                person.id,
                {"id": chosen["id"], "name": chosen["name"]},
                str(body.get("activity_text") or ""),
                body.get("activity_time") or state.now(),
                True,
            )
        )
    return {"RESULT": "SUCCESS", "data": {"activity_id": activity_id}}


@people("POST", "notes/add")
def _add_note(state: RecruiterflowState, kind: str, body: dict, query: dict) -> Any:
    person = state.person(kind, body.get("id"))
    if not str(body.get("value") or "").strip():
        raise failure("value is required.")
    note_id = state.ids.number()
    state.activities.append(
        Activity(note_id, kind, person.id, NOTE_TYPE, str(body["value"]), state.now(), False)
    )
    return {"note_id": note_id}


@people("GET", "activity/list")
def _activity_list(state: RecruiterflowState, kind: str, body: dict, query: dict) -> Any:
    person = state.person(kind, query.get("id"))
    rows = [
        {
            "activity_id": a.activity_id,
            f"{kind}_id": person.id,
            "subject": a.type["name"],
            "text": a.text,
            "time": a.time,
            "type": a.type,
            "is_custom": a.is_custom,
            "associated_entities": {f"{kind}s": [{"id": person.id}]},
        }
        for a in state.activities_of(person.id)
    ]
    return _page(rows, query, always_wrap=True)


@route(("GET", "POST"), "{path:path}")
def _not_found(state: RecruiterflowState, kind: str, body: dict, query: dict) -> Any:
    raise ApiError(404, {"message": "Not Found"})


# --- HTTP layer -------------------------------------------------------------------------------


class RecruiterflowApi(Api[RecruiterflowState]):
    name = "recruiterflow"
    routes = routes
    prefix = PREFIX
    throttle = Fault(status=429, message="Too Many Requests")
    throttle_retry_after = False

    async def credential(self, state: RecruiterflowState, request: Request) -> str | None:
        key = request.headers.get("rf-api-key")
        return fingerprint(key) if key else None

    async def handle(
        self, state: RecruiterflowState, endpoint: Endpoint, request: Request, call: Call
    ) -> Response:
        try:
            _authenticate(state, request)
            call.body = body = await _body(request)
            query = dict(request.query_params)
            answer = endpoint.handler(state, endpoint.options.get("kind", ""), body, query)
        except ApiError as exc:
            call.error = exc.body.get("message")
            return exc.response()
        return JSONResponse(answer)

    def failure(self, state: RecruiterflowState, fault: Fault, request: Request) -> Response:
        status, message = fault.status or 503, fault.message or "Injected failure"
        if status == 401:
            return ApiError(401, {"message": "Invalid API key"}).response()
        if status >= 500 or status == 429:
            return ApiError(status, {"message": message}).response()
        return failure(message, status).response()


def _authenticate(state: RecruiterflowState, request: Request) -> None:
    key = request.headers.get("rf-api-key")
    if not key:
        raise ApiError(400, {"message": "Please supply an API key"})
    if key not in state.api_keys:
        raise ApiError(401, {"message": "Invalid API key"})


async def _body(request: Request) -> dict[str, Any]:
    if request.method != "POST":
        return {}
    raw = await request.body()
    try:
        body = json.loads(raw) if raw.strip() else {}
    except ValueError:
        raise failure("Request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise failure("Request body must be a JSON object.")
    return body


def create_app(state: RecruiterflowState | None = None) -> Starlette:
    """The emulated API; ``app.state.recruiterflow`` is the :class:`RecruiterflowState`."""
    return build_app(RecruiterflowApi(), state if state is not None else RecruiterflowState())


def demo(origin: str) -> tuple[RecruiterflowState, Demo]:
    state = RecruiterflowState()
    key = f"rf_{state.ids.token(12)}"
    state.add_api_key(key)
    state.add_job("Senior Backend Engineer")
    state.add_job("Account Executive")
    state.add_job("Closed Role", is_open=False)
    state.add_activity_type("Outreach email")
    state.add_custom_field("candidate", "Sequence", "short_text")
    state.add_candidate("Jane", "Doe", "jane@example.com")
    notes = [
        f"job {job.id}  {'open' if job.is_open else 'closed':<6}  {job.name}"
        for job in state.jobs.values()
    ]
    settings = {"RECRUITERFLOW_API_URL": origin}
    return state, Demo("Recruiterflow", origin, settings, {"API key": key}, notes)
