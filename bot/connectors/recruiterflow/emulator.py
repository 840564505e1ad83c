"""An in-memory Recruiterflow external API for tests and local demos.

Follows the vendor contract the connector relies on (see its docstring): ``/api/external``
paths, the ``RF-Api-Key`` header (400 "Please supply an API key" when missing, 401
"Invalid API key" when wrong), snake_case bodies, integer ids, bare-array lists that switch to
``{"data", "total_items"}`` with ``include_count=true``, ``items_per_page``/``current_page``
paging, ``{"RESULT": "SUCCESS"|"FAILURE", "message"}`` write answers, "Sourced" as the stage
``add-to-job`` lands in, custom-activity type validation, and ``"None"`` strings in search
rows. Search filters accept ``type``/``filter_type`` and ``in``/``is``/``contains``.

Tests inspect :class:`RecruiterflowState`, count calls in ``state.calls`` (keyed by path,
e.g. ``"candidate/add"``) and inject faults with ``state.inject_fault``; ``search_lag``
hides records created through the API from that many searches (the vendor's lagging index).
``python -m bot.connectors.recruiterflow.emulator --port N`` serves a seeded demo.
"""

from __future__ import annotations

import argparse
import itertools
import json
import secrets
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

__all__ = ["Fault", "Person", "RecruiterflowState", "create_app"]

PREFIX = "/api/external"
STAGES = ("Sourced", "Applied", "Phone Screen", "Interview", "Disqualified", "Offer", "Hired")
NOTE_TYPE = {"id": 1, "name": "Note"}


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


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


@dataclass
class Fault:
    path: str
    status: int
    remaining: int | None
    retry_after: float | None = None
    message: str = "Injected failure"


class ApiError(Exception):
    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None):
        super().__init__(body)
        self.status, self.body, self.headers = status, body, headers or {}


def failure(message: str, status: int = 400) -> ApiError:
    return ApiError(status, {"RESULT": "FAILURE", "message": message})


class RecruiterflowState:
    """Everything the emulated account holds, plus call counters and injected faults."""

    def __init__(self, display_name: str = "RF (company)"):
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
        self.calls: Counter[str] = Counter()
        self.requests: list[tuple[str, Any]] = []
        self.faults: list[Fault] = []
        self.search_lag = 0
        self.searches = 0
        self._ids = itertools.count(1001)

    # seeding ------------------------------------------------------------------------------

    def add_api_key(self, key: str) -> None:
        self.api_keys.add(key)

    def revoke_api_key(self, key: str) -> None:
        self.api_keys.discard(key)

    def add_person(self, kind: str, first: str, last: str, *emails: str) -> Person:
        person = Person(next(self._ids), kind, first, last, list(emails))
        self.people[person.id] = person
        return person

    def add_candidate(self, first: str, last: str, *emails: str) -> Person:
        return self.add_person("candidate", first, last, *emails)

    def add_contact(self, first: str, last: str, *emails: str) -> Person:
        return self.add_person("contact", first, last, *emails)

    def add_job(self, name: str, *, is_open: bool = True) -> Job:
        job = Job(next(self._ids), name, is_open)
        self.jobs[job.id] = job
        return job

    def add_custom_field(self, kind: str, name: str, type_: str, choices: Sequence[str] = ()):
        spec = {
            "id": next(self._ids),
            "name": name,
            "type": type_,
            "choices": [{"id": next(self._ids), "name": c} for c in choices],
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

    def inject_fault(
        self,
        path: str = "*",
        *,
        status: int,
        times: int | None = 1,
        retry_after: float | None = None,
        message: str = "Injected failure",
    ) -> Fault:
        fault = Fault(path, status, times, retry_after, message)
        self.faults.append(fault)
        return fault

    # inspection ---------------------------------------------------------------------------

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

    def take_fault(self, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.path in ("*", path):
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self.faults.remove(fault)
                return fault
        return None

    def person(self, kind: str, value: Any) -> Person:
        try:
            person = self.people.get(int(value))
        except (TypeError, ValueError):
            person = None
        if person is None or person.kind != kind:
            raise failure(f"Invalid {kind} id.", 404)
        return person

    def new_id(self) -> int:
        return next(self._ids)


# --- handlers --------------------------------------------------------------------------------

Handler = Callable[[RecruiterflowState, str, dict[str, Any], dict[str, str]], Any]


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


def _get(state: RecruiterflowState, kind: str, body: dict, query: dict) -> Any:
    person = state.person(kind, query.get("id"))
    return [person.to_api(state)]


def _list(state: RecruiterflowState, kind: str, body: dict, query: dict) -> Any:
    rows = [p.to_api(state) for p in state.people.values() if p.kind == kind]
    return _page(rows, query)


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


def _custom_field_list(state: RecruiterflowState, kind: str, body: dict, query: dict) -> Any:
    rows = state.custom_fields[kind]
    return {"data": rows, "total_items": len(rows)}


def _activity_types(state: RecruiterflowState, kind: str, body: dict, query: dict) -> Any:
    return {"data": state.activity_types}


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
    activity_id = state.new_id()
    for target_kind, target in targets:
        person = state.person(target_kind, target)
        state.activities.append(
            Activity(
                activity_id,
                target_kind,
                person.id,
                {"id": chosen["id"], "name": chosen["name"]},
                str(body.get("activity_text") or ""),
                body.get("activity_time") or _now(),
                True,
            )
        )
    return {"RESULT": "SUCCESS", "data": {"activity_id": activity_id}}


def _add_note(state: RecruiterflowState, kind: str, body: dict, query: dict) -> Any:
    person = state.person(kind, body.get("id"))
    if not str(body.get("value") or "").strip():
        raise failure("value is required.")
    note_id = state.new_id()
    state.activities.append(
        Activity(note_id, kind, person.id, NOTE_TYPE, str(body["value"]), _now(), False)
    )
    return {"note_id": note_id}


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


PEOPLE: dict[tuple[str, str], Handler] = {
    ("POST", "search"): _search,
    ("POST", "add"): _add,
    ("GET", "get"): _get,
    ("GET", "list"): _list,
    ("GET", "custom-field/list"): _custom_field_list,
    ("GET", "activity-type/list"): _activity_types,
    ("POST", "notes/add"): _add_note,
    ("GET", "activity/list"): _activity_list,
}

OTHER: dict[tuple[str, str], Handler] = {
    ("POST", "info"): _info,
    ("POST", "candidate/add-to-job"): _add_to_job,
    ("GET", "job/list"): _job_list,
    ("POST", "custom-activity/create"): _custom_activity,
}


def _route(method: str, path: str) -> tuple[Handler, str] | None:
    if (method, path) in OTHER:
        return OTHER[(method, path)], ""
    kind, _, rest = path.partition("/")
    if kind in ("candidate", "contact") and (method, rest) in PEOPLE:
        return PEOPLE[(method, rest)], kind
    return None


def _fault_error(fault: Fault) -> ApiError:
    headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
    if fault.status == 401:
        return ApiError(401, {"message": "Invalid API key"})
    if fault.status >= 500 or fault.status == 429:
        return ApiError(fault.status, {"message": fault.message}, headers)
    return ApiError(fault.status, {"RESULT": "FAILURE", "message": fault.message}, headers)


async def _handle(state: RecruiterflowState, request: Request, path: str) -> Any:
    fault = state.take_fault(path)
    if fault is not None:
        raise _fault_error(fault)
    key = request.headers.get("rf-api-key")
    if not key:
        raise ApiError(400, {"message": "Please supply an API key"})
    if key not in state.api_keys:
        raise ApiError(401, {"message": "Invalid API key"})
    found = _route(request.method, path)
    if found is None:
        raise ApiError(404, {"message": "Not Found"})
    handler, kind = found
    body: dict[str, Any] = {}
    if request.method == "POST":
        raw = await request.body()
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            raise failure("Request body is not valid JSON.") from None
        if not isinstance(body, dict):
            raise failure("Request body must be a JSON object.")
    state.requests.append((path, body or dict(request.query_params)))
    return handler(state, kind, body, dict(request.query_params))


def create_app(state: RecruiterflowState | None = None) -> Starlette:
    """The emulated API; ``app.state.recruiterflow`` is the :class:`RecruiterflowState`."""
    rf = state if state is not None else RecruiterflowState()

    async def dispatch(request: Request) -> JSONResponse:
        path = request.path_params["path"].strip("/")
        rf.calls[path] += 1
        try:
            return JSONResponse(await _handle(rf, request, path))
        except ApiError as exc:
            return JSONResponse(exc.body, status_code=exc.status, headers=exc.headers)

    app = Starlette(
        routes=[Route(PREFIX + "/{path:path}", dispatch, methods=["GET", "POST"])],
    )
    app.state.recruiterflow = rf
    return app


def seed_demo(state: RecruiterflowState, key: str) -> None:
    state.add_api_key(key)
    state.add_job("Senior Backend Engineer")
    state.add_job("Account Executive")
    state.add_job("Closed Role", is_open=False)
    state.add_activity_type("Outreach email")
    state.add_custom_field("candidate", "Sequence", "short_text")
    state.add_candidate("Jane", "Doe", "jane@example.com")


def main(argv: Sequence[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="Serve the Recruiterflow API emulator locally.")
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--key", default=None, help="API key to accept (default: random)")
    args = parser.parse_args(argv)
    key = args.key or f"rf_{secrets.token_hex(12)}"
    state = RecruiterflowState()
    seed_demo(state, key)
    print(f"Recruiterflow emulator on http://127.0.0.1:{args.port}", flush=True)
    print(f"  RECRUITERFLOW_API_URL=http://127.0.0.1:{args.port}", flush=True)
    print(f"  API key: {key}", flush=True)
    for job in state.jobs.values():
        print(f"  job {job.id}  {'open' if job.is_open else 'closed':<6}  {job.name}", flush=True)
    uvicorn.run(create_app(state), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
