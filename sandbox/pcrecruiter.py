"""The PCRecruiter REST API, for tests and local demos.

Follows the vendor notes the connector relies on (section 2 of
``vendor-apis/crelate-pcrecruiter-recruiterflow.md``): sessions from ``/access-token`` (JSON body,
or query parameters, GET or POST) with a sliding inactivity timeout, ``Authorization: BEARER``
(any case) or ``?SessionId=``; HTTP 401 for bad logins and dead sessions; case-insensitive
paths under ``/rest/api`` with v1 and V2 aliases (``candidates``/``candidatesV2``...);
``Query`` expressions (``eq ne gt lt ge le sw ew co``, ``AND``/``OR``, parentheses, quoted
values with doubled quotes or bare values, ``EXISTS(CustomFields.FieldName eq .. AND
CustomFields.Value eq ..)``), ``Fields``, 1-based ``Page``/``ResultsPerPage`` and
``{"TotalRecords", "Results"}``; bare PascalCase records; int64 ids; ``{"Message"}`` errors
(with a ``message`` alias).

Access is sold as a calls-per-day quota whose size depends on the contract, and every call,
login included, counts: no limit is set by default; a configured one counts per API key and
answers 429 (inferred: 3scale gateways answer quota overruns with 403 or 429, so
``state.limits.answer`` can make it a 403).

Calls are labelled by the lower-cased first path segment without the V2 suffix
(``candidates``, ``access-token``); ``state.expire_sessions()`` ends every session.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
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

__all__ = ["PCRecruiterApi", "PCRecruiterState", "QueryError", "create_app", "demo", "parse_query"]

BASE_PATH = "/rest/api"
LOGIN_KEYS = ("Username", "Password", "DatabaseId", "ApiKey", "AppId")


# --- query language ---------------------------------------------------------------------------


class QueryError(ValueError):
    pass


Row = dict[str, Any]
Predicate = Callable[[Row], bool]
_TOKEN = re.compile(r"\s*(?:(\()|(\))|'((?:[^']|'')*)'|([^\s()']+))")
_OPS: dict[str, Callable[[str, str], bool]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: _cmp(a, b) > 0,
    "lt": lambda a, b: _cmp(a, b) < 0,
    "ge": lambda a, b: _cmp(a, b) >= 0,
    "le": lambda a, b: _cmp(a, b) <= 0,
    "sw": lambda a, b: a.startswith(b),
    "ew": lambda a, b: a.endswith(b),
    "co": lambda a, b: b in a,
}


def _cmp(a: str, b: str) -> int:
    try:
        x, y = float(a), float(b)
    except ValueError:
        x, y = a, b  # type: ignore[assignment]
    return (x > y) - (x < y)


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, pos = [], 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise QueryError(f"Cannot read the query near {text[pos : pos + 20]!r}.")
        pos = match.end()
        if match[1]:
            tokens.append(("(", "("))
        elif match[2]:
            tokens.append((")", ")"))
        elif match[3] is not None:
            tokens.append(("value", match[3].replace("''", "'")))
        else:
            tokens.append(("word", match[4]))
    return tokens


def parse_query(text: str) -> Predicate:
    """A predicate over records (dicts with PascalCase keys, case-insensitive)."""
    tokens = _tokens(text)
    predicate, rest = _or(tokens)
    if rest:
        raise QueryError(f"Unexpected {rest[0][1]!r} in the query.")
    return predicate


def _or(tokens: list[tuple[str, str]]) -> tuple[Predicate, list[tuple[str, str]]]:
    left, tokens = _and(tokens)
    while tokens and tokens[0][0] == "word" and tokens[0][1].upper() == "OR":
        right, tokens = _and(tokens[1:])
        left = (lambda a, b: lambda row: a(row) or b(row))(left, right)
    return left, tokens


def _and(tokens: list[tuple[str, str]]) -> tuple[Predicate, list[tuple[str, str]]]:
    left, tokens = _factor(tokens)
    while tokens and tokens[0][0] == "word" and tokens[0][1].upper() == "AND":
        right, tokens = _factor(tokens[1:])
        left = (lambda a, b: lambda row: a(row) and b(row))(left, right)
    return left, tokens


def _factor(tokens: list[tuple[str, str]]) -> tuple[Predicate, list[tuple[str, str]]]:
    if not tokens:
        raise QueryError("The query ends too early.")
    if tokens[0][0] == "(":
        inner, rest = _or(tokens[1:])
        if not rest or rest[0][0] != ")":
            raise QueryError("A parenthesis is not closed.")
        return inner, rest[1:]
    if tokens[0] == ("word", tokens[0][1]) and tokens[0][1].upper() == "EXISTS":
        inner, rest = _factor(tokens[1:])
        return (lambda row: any(inner(entry) for entry in _custom_rows(row))), rest
    if len(tokens) < 3 or tokens[0][0] != "word" or tokens[2][0] not in ("value", "word"):
        raise QueryError("Expected <Field> <op> <value>.")
    name, op, value = tokens[0][1], tokens[1][1].lower(), tokens[2][1]
    if op not in _OPS:
        raise QueryError(f"Unknown operator {op!r}.")
    compare = _OPS[op]

    def test(row: Row) -> bool:
        have = _get(row, name)
        values = have if isinstance(have, list) else [have]
        return any(compare(str(v).lower(), value.lower()) for v in values if v is not None)

    return test, tokens[3:]


def _get(row: Row, name: str) -> Any:
    lowered = name.lower()
    return next((v for k, v in row.items() if k.lower() == lowered), None)


def _custom_rows(row: Row) -> list[Row]:
    entries = []
    for custom in _get(row, "CustomFields") or []:
        for value in custom.get("Values") or [None]:
            entries.append(
                {"CustomFields.FieldName": custom.get("FieldName"), "CustomFields.Value": value}
            )
    return entries


# --- state ------------------------------------------------------------------------------------


@dataclass
class Login:
    database_id: str
    username: str
    password: str


@dataclass
class Session:
    database_id: str
    api_key: str
    seen: float


class ApiError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message

    def response(self) -> JSONResponse:
        body = {"Message": self.message, "message": self.message}
        return JSONResponse(body, status_code=self.status)


class PCRecruiterState(State):
    """The emulated PCRecruiter database (kernel hooks: see ``State``)."""

    def __init__(
        self,
        *,
        session_timeout: float = 3600.0,
        clock: Clock | None = None,
        seed: int | None = None,
    ):
        super().__init__(clock=clock, seed=seed, first_id=139_712_345_678_901)
        self.session_timeout = session_timeout
        self.logins: list[Login] = []
        self.api_keys: set[tuple[str, str]] = set()
        self.sessions: dict[str, Session] = {}
        self.candidates: dict[int, Row] = {}
        self.positions: dict[int, Row] = {}
        self.pipeline: dict[int, Row] = {}
        self.activities: dict[int, Row] = {}
        self.custom_fields: list[Row] = []

    # seeding ------------------------------------------------------------------------------

    def add_login(
        self, database_id: str, username: str, password: str, api_key: str, app_id: str
    ) -> None:
        self.logins.append(Login(database_id, username, password))
        self.api_keys.add((api_key, app_id))

    def revoke_logins(self) -> None:
        self.logins.clear()
        self.sessions.clear()

    def expire_sessions(self) -> None:
        self.sessions.clear()

    def add_candidate(self, first: str, last: str, email: str, **fields: Any) -> Row:
        candidate_id = self.ids.number()
        row = {
            "CandidateId": candidate_id,
            "FirstName": first,
            "LastName": last,
            "EmailAddress": email,
            "Status": "candidate",
            "CompanyId": 0,
            "CustomFields": [],
            "DateEntered": self.now(),
            **fields,
        }
        self.candidates[candidate_id] = row
        return row

    def add_position(self, title: str, status: str = "Open") -> Row:
        job_id = self.ids.number()
        self.positions[job_id] = {
            "JobId": job_id,
            "CompanyId": 0,
            "JobTitle": title,
            "Status": status,
        }
        return self.positions[job_id]

    def add_custom_field(self, name: str, action: str = "Text", values: Sequence[str] = ()) -> Row:
        spec = {
            "CustomId": self.ids.number(),
            "FieldType": "Candidates",
            "FieldName": name,
            "FieldOrder": len(self.custom_fields) + 1,
            "FieldAction": action,
            "DefaultValues": [
                {"Id": i + 1, "Name": v, "Order": i + 1} for i, v in enumerate(values)
            ],
        }
        self.custom_fields.append(spec)
        return spec

    # inspection ---------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        return {
            "candidates": list(self.candidates.values()),
            "positions": list(self.positions.values()),
            "pipelineinterviews": list(self.pipeline.values()),
            "activities": list(self.activities.values()),
            "customfields": self.custom_fields,
        }

    def candidates_with(self, email: str) -> list[Row]:
        return [
            c for c in self.candidates.values() if str(c["EmailAddress"]).lower() == email.lower()
        ]

    def activities_of(self, candidate_id: int) -> list[Row]:
        return [a for a in self.activities.values() if a["CandidateId"] == candidate_id]

    def jobs_of(self, candidate_id: int) -> list[int]:
        return [p["JobId"] for p in self.pipeline.values() if p["CandidateId"] == candidate_id]

    # sessions -----------------------------------------------------------------------------

    def login(self, creds: dict[str, str]) -> str:
        if any(not creds.get(k) for k in LOGIN_KEYS):
            raise ApiError(401, "Username, Password, DatabaseId, ApiKey and AppId are required.")
        ok = (creds["ApiKey"], creds["AppId"]) in self.api_keys and any(
            (lg.database_id, lg.username, lg.password)
            == (creds["DatabaseId"], creds["Username"], creds["Password"])
            for lg in self.logins
        )
        if not ok:
            raise ApiError(401, "Invalid login.")
        token = self.ids.token(16)
        self.sessions[token] = Session(creds["DatabaseId"], creds["ApiKey"], self.clock.time())
        return token

    def check_session(self, token: str | None) -> None:
        session = self.sessions.get(token or "")
        if session is None or self.clock.time() - session.seen > self.session_timeout:
            self.sessions.pop(token or "", None)
            raise ApiError(401, "The session is invalid or has expired.")
        session.seen = self.clock.time()

    def now(self) -> str:
        return self.clock.now().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]


# --- endpoints --------------------------------------------------------------------------------

Handler = Callable[[PCRecruiterState, Request, Row], tuple[int, Any]]
routes = Routes()


def _search(rows: list[Row], query: Any) -> tuple[int, Any]:
    params = {k.lower(): v for k, v in query.items()}
    if params.get("query"):
        try:
            predicate = parse_query(params["query"])
        except QueryError as exc:
            raise ApiError(400, str(exc)) from None
        rows = [r for r in rows if predicate(r)]
    try:
        size = max(1, int(params.get("resultsperpage") or 25))
        page = max(1, int(params.get("page") or 1))
    except ValueError:
        raise ApiError(400, "Page and ResultsPerPage must be numbers.") from None
    chunk = rows[(page - 1) * size : page * size]
    if params.get("fields"):
        wanted = [f.strip().lower() for f in params["fields"].split(",")]
        chunk = [{k: v for k, v in r.items() if k.lower() in wanted} for r in chunk]
    return 200, {"TotalRecords": len(rows), "Results": chunk}


def _candidate(state: PCRecruiterState, request: Request) -> int:
    try:
        candidate_id = int(request.path_params["id"])
    except ValueError:
        raise ApiError(404, "No such candidate.") from None
    if candidate_id not in state.candidates:
        raise ApiError(404, "No such candidate.")
    return candidate_id


@routes.route(("GET", "POST", "DELETE"), "/access-token", label="access-token", login=True)
def _access_token(state: PCRecruiterState, request: Request, body: Row) -> tuple[int, Any]:
    if request.method == "DELETE":
        state.sessions.pop(_session_token(request) or "", None)
        return 200, {"Success": True}
    return 200, {"SessionId": state.login(_login_fields(request, body))}


@routes.get("/candidates", label="candidates")
def _search_candidates(state: PCRecruiterState, request: Request, body: Row) -> tuple[int, Any]:
    return _search(list(state.candidates.values()), request.query_params)


@routes.post("/candidates", label="candidates")
def _create_candidate(state: PCRecruiterState, request: Request, body: Row) -> tuple[int, Any]:
    if not str(_get(body, "LastName") or _get(body, "FirstName") or "").strip():
        raise ApiError(400, "A name (FirstName or LastName) is required.")
    known = {c["FieldName"].lower() for c in state.custom_fields}
    for custom in _get(body, "CustomFields") or []:
        if str(custom.get("FieldName", "")).lower() not in known:
            raise ApiError(400, f"Unknown custom field {custom.get('FieldName')!r}.")
    fields = {k: v for k, v in body.items() if k not in ("FirstName", "LastName", "EmailAddress")}
    row = state.add_candidate(
        _get(body, "FirstName") or "",
        _get(body, "LastName") or "",
        _get(body, "EmailAddress") or "",
        **fields,
    )
    return 201, {"CandidateId": row["CandidateId"]}


@routes.get("/candidates/{id}", label="candidates")
def _get_candidate(state: PCRecruiterState, request: Request, body: Row) -> tuple[int, Any]:
    return 200, state.candidates[_candidate(state, request)]


@routes.get("/candidates/{id}/activities", label="candidates")
def _list_activities(state: PCRecruiterState, request: Request, body: Row) -> tuple[int, Any]:
    return _search(state.activities_of(_candidate(state, request)), request.query_params)


@routes.post("/candidates/{id}/activities", label="candidates")
def _create_activity(state: PCRecruiterState, request: Request, body: Row) -> tuple[int, Any]:
    candidate_id = _candidate(state, request)
    code = str(_get(body, "ActivityType") or "")
    if not code or len(code) > 10:
        raise ApiError(400, "ActivityType must be a code of 1 to 10 characters.")
    activity_id = state.ids.number()
    state.activities[activity_id] = {
        "ActivityId": activity_id,
        "CandidateId": candidate_id,
        "ActivityType": code,
        "Notes": _get(body, "Notes") or "",
        "ActivityDate": _get(body, "ActivityDate") or state.now(),
        "JobId": _get(body, "JobId"),
        "UserName": _get(body, "UserName") or "API",
    }
    return 200, {"ActivityId": activity_id}


@routes.get("/positions", label="positions")
def _search_positions(state: PCRecruiterState, request: Request, body: Row) -> tuple[int, Any]:
    return _search(list(state.positions.values()), request.query_params)


@routes.get("/pipelineinterviews", label="pipelineinterviews")
def _search_pipeline(state: PCRecruiterState, request: Request, body: Row) -> tuple[int, Any]:
    return _search(list(state.pipeline.values()), request.query_params)


@routes.post("/pipelineinterviews", label="pipelineinterviews")
def _create_pipeline(state: PCRecruiterState, request: Request, body: Row) -> tuple[int, Any]:
    job_id, candidate_id = _get(body, "JobId"), _get(body, "CandidateId")
    if job_id not in state.positions or candidate_id not in state.candidates:
        raise ApiError(400, "JobId and CandidateId must name an existing position and name.")
    sendout_id = state.ids.number()
    state.pipeline[sendout_id] = {
        "SendoutId": sendout_id,
        "JobId": job_id,
        "CandidateId": candidate_id,
        "CandidateName": " ".join(
            str(state.candidates[candidate_id].get(k) or "") for k in ("FirstName", "LastName")
        ),
        "InterviewType": _get(body, "InterviewType") or "PRESENTATION",
        "InterviewStatus": _get(body, "InterviewStatus") or "LINKNAME",
        "ArrangedDate": state.now(),
    }
    return 200, {"SendoutId": sendout_id}


@routes.get("/system/candidates/customfields", label="system")
def _custom_fields(state: PCRecruiterState, request: Request, body: Row) -> tuple[int, Any]:
    return _search(list(state.custom_fields), request.query_params)


def _no_such_resource(state: PCRecruiterState, request: Request, body: Row) -> tuple[int, Any]:
    raise ApiError(404, "No such resource.")


ANY_METHOD = ("GET", "POST", "PUT", "DELETE")
routes.route(ANY_METHOD, "/{resource}", label="{resource}")(_no_such_resource)
routes.route(ANY_METHOD, "/{resource}/{rest:path}", label="{resource}")(_no_such_resource)


# --- HTTP layer -------------------------------------------------------------------------------


class PCRecruiterApi(Api[PCRecruiterState]):
    name = "pcrecruiter"
    routes = routes
    prefix = BASE_PATH
    throttle = Fault(status=429, message="Limits exceeded")
    secret_params = frozenset({"password", "apikey", "appid", "sessionid"})

    def normalise(self, path: str) -> str:
        """Paths are case-insensitive, and ``candidatesV2`` is ``candidates``."""
        path = path.lower()
        base = self.prefix.lower() + "/"
        if not path.startswith(base):
            return path
        first, slash, rest = path[len(base) :].partition("/")
        return base + first.removesuffix("v2") + slash + rest

    async def credential(self, state: PCRecruiterState, request: Request) -> str | None:
        token = _session_token(request)
        if token:
            session = state.sessions.get(token)
            return fingerprint(session.api_key) if session else None
        if request.url.path.endswith("/access-token"):
            key = _login_fields(request, await _body(request)).get("ApiKey")
            return fingerprint(key) if key else None
        return None

    async def handle(
        self, state: PCRecruiterState, endpoint: Endpoint, request: Request, call: Call
    ) -> Response:
        try:
            body = await _body(request)
            if not endpoint.options.get("login"):
                state.check_session(_session_token(request))
                call.body = body
            status, answer = endpoint.handler(state, request, body)
        except ApiError as exc:
            call.error = exc.message
            return exc.response()
        return JSONResponse(answer, status_code=status)

    def failure(self, state: PCRecruiterState, fault: Fault, request: Request) -> Response:
        return ApiError(fault.status or 503, fault.message or "Injected failure").response()


def _session_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    query = {k.lower(): v for k, v in request.query_params.items()}
    return query.get("sessionid")


def _login_fields(request: Request, body: Row) -> dict[str, str]:
    """Login fields from the body, else the query string, in any case."""
    creds = {k: str(v) for k, v in body.items()}
    for key, value in request.query_params.items():
        creds.setdefault(key, value)
    canonical = {k.lower(): k for k in LOGIN_KEYS}
    out: dict[str, str] = {}
    for key, value in creds.items():
        out.setdefault(canonical.get(key.lower(), key), value)
    return out


async def _body(request: Request) -> Row:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise ApiError(400, "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    return body


def create_app(state: PCRecruiterState | None = None, base_path: str = BASE_PATH) -> Starlette:
    """The emulated API under ``base_path``; ``app.state.pcrecruiter`` is the state."""
    return build_app(PCRecruiterApi(base_path), state if state is not None else PCRecruiterState())


def demo(origin: str) -> tuple[PCRecruiterState, Demo]:
    state = PCRecruiterState()
    login = {
        "Database ID": "Demo.Profile",
        "Username": "demo",
        "Password": state.ids.token(6),
        "API key": state.ids.token(8),
        "App ID": state.ids.token(4),
    }
    state.add_login(*login.values())
    state.add_position("Senior Backend Engineer")
    state.add_position("Filled Role", status="Filled")
    state.add_custom_field("Source Sequence")
    state.add_candidate("Jane", "Doe", "jane@example.com")
    url = f"{origin}{BASE_PATH}"
    return state, Demo("PCRecruiter", origin, {"PCRECRUITER_API_URL": url}, login)
