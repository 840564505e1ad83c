"""An in-memory PCRecruiter REST API for tests and local demos.

Follows the vendor notes the connector relies on: sessions from ``/access-token`` (JSON body,
or query parameters, GET or POST) with a sliding inactivity timeout, ``Authorization: BEARER``
(any case) or ``?SessionId=``; HTTP 401 for bad logins and dead sessions; case-insensitive
paths under ``/rest/api`` with v1 and V2 aliases (``candidates``/``candidatesV2``...);
``Query`` expressions (``eq ne gt lt ge le sw ew co``, ``AND``/``OR``, parentheses, quoted
values with doubled quotes or bare values, ``EXISTS(CustomFields.FieldName eq .. AND
CustomFields.Value eq ..)``), ``Fields``, 1-based ``Page``/``ResultsPerPage`` and
``{"TotalRecords", "Results"}``; bare PascalCase records; int64 ids; ``{"Message"}`` errors
(with a ``message`` alias).

Tests inspect :class:`PCRecruiterState`, count calls in ``state.calls`` (keyed by the
lower-cased first path segment without the V2 suffix, e.g. ``candidates``), end sessions with
``state.expire_sessions()`` and inject faults with ``state.inject_fault``.
``python -m bot.connectors.pcrecruiter.emulator --port N`` serves a seeded demo.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import secrets
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

__all__ = ["PCRecruiterState", "QueryError", "create_app", "parse_query"]

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
class Fault:
    resource: str
    status: int
    remaining: int | None
    retry_after: float | None = None
    message: str = "Injected failure"


@dataclass
class Login:
    database_id: str
    username: str
    password: str


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}

    def response(self) -> JSONResponse:
        body = {"Message": self.message, "message": self.message}
        return JSONResponse(body, status_code=self.status, headers=self.headers)


class PCRecruiterState:
    def __init__(self, *, session_timeout: float = 3600.0, clock: Callable[[], float] = time.time):
        self.session_timeout = session_timeout
        self.clock = clock
        self.logins: list[Login] = []
        self.api_keys: set[tuple[str, str]] = set()
        self.sessions: dict[str, tuple[str, float]] = {}
        self.candidates: dict[int, Row] = {}
        self.positions: dict[int, Row] = {}
        self.pipeline: dict[int, Row] = {}
        self.activities: dict[int, Row] = {}
        self.custom_fields: list[Row] = []
        self.calls: Counter[str] = Counter()
        self.faults: list[Fault] = []
        self._ids = itertools.count(139_712_345_678_901)

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
        candidate_id = next(self._ids)
        row = {
            "CandidateId": candidate_id,
            "FirstName": first,
            "LastName": last,
            "EmailAddress": email,
            "Status": "candidate",
            "CompanyId": 0,
            "CustomFields": [],
            "DateEntered": _now(),
            **fields,
        }
        self.candidates[candidate_id] = row
        return row

    def add_position(self, title: str, status: str = "Open") -> Row:
        job_id = next(self._ids)
        self.positions[job_id] = {
            "JobId": job_id,
            "CompanyId": 0,
            "JobTitle": title,
            "Status": status,
        }
        return self.positions[job_id]

    def add_custom_field(self, name: str, action: str = "Text", values: Sequence[str] = ()) -> Row:
        spec = {
            "CustomId": next(self._ids),
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

    def inject_fault(
        self,
        resource: str = "*",
        *,
        status: int,
        times: int | None = 1,
        retry_after: float | None = None,
        message: str = "Injected failure",
    ) -> Fault:
        fault = Fault(resource.lower(), status, times, retry_after, message)
        self.faults.append(fault)
        return fault

    # inspection ---------------------------------------------------------------------------

    def candidates_with(self, email: str) -> list[Row]:
        return [
            c for c in self.candidates.values() if str(c["EmailAddress"]).lower() == email.lower()
        ]

    def activities_of(self, candidate_id: int) -> list[Row]:
        return [a for a in self.activities.values() if a["CandidateId"] == candidate_id]

    def jobs_of(self, candidate_id: int) -> list[int]:
        return [p["JobId"] for p in self.pipeline.values() if p["CandidateId"] == candidate_id]

    # internals ----------------------------------------------------------------------------

    def take_fault(self, resource: str) -> Fault | None:
        for fault in self.faults:
            if fault.resource in ("*", resource):
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self.faults.remove(fault)
                return fault
        return None

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
        token = secrets.token_hex(16)
        self.sessions[token] = (creds["DatabaseId"], self.clock())
        return token

    def check_session(self, token: str | None) -> None:
        session = self.sessions.get(token or "")
        if session is None or self.clock() - session[1] > self.session_timeout:
            self.sessions.pop(token or "", None)
            raise ApiError(401, "The session is invalid or has expired.")
        self.sessions[token or ""] = (session[0], self.clock())

    def new_id(self) -> int:
        return next(self._ids)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]


# --- handlers ---------------------------------------------------------------------------------


def _search(rows: list[Row], query: dict[str, str]) -> dict[str, Any]:
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
    return {"TotalRecords": len(rows), "Results": chunk}


def _field(body: Row, name: str) -> Any:
    return _get(body, name)


def _create_candidate(state: PCRecruiterState, body: Row) -> tuple[int, Row]:
    if not str(_field(body, "LastName") or _field(body, "FirstName") or "").strip():
        raise ApiError(400, "A name (FirstName or LastName) is required.")
    known = {c["FieldName"].lower() for c in state.custom_fields}
    for custom in _field(body, "CustomFields") or []:
        if str(custom.get("FieldName", "")).lower() not in known:
            raise ApiError(400, f"Unknown custom field {custom.get('FieldName')!r}.")
    fields = {k: v for k, v in body.items() if k not in ("FirstName", "LastName", "EmailAddress")}
    row = state.add_candidate(
        _field(body, "FirstName") or "",
        _field(body, "LastName") or "",
        _field(body, "EmailAddress") or "",
        **fields,
    )
    return 201, {"CandidateId": row["CandidateId"]}


def _create_activity(state: PCRecruiterState, candidate_id: int, body: Row) -> tuple[int, Row]:
    code = str(_field(body, "ActivityType") or "")
    if not code or len(code) > 10:
        raise ApiError(400, "ActivityType must be a code of 1 to 10 characters.")
    activity_id = state.new_id()
    state.activities[activity_id] = {
        "ActivityId": activity_id,
        "CandidateId": candidate_id,
        "ActivityType": code,
        "Notes": _field(body, "Notes") or "",
        "ActivityDate": _field(body, "ActivityDate") or _now(),
        "JobId": _field(body, "JobId"),
        "UserName": _field(body, "UserName") or "API",
    }
    return 200, {"ActivityId": activity_id}


def _create_pipeline(state: PCRecruiterState, body: Row) -> tuple[int, Row]:
    job_id, candidate_id = _field(body, "JobId"), _field(body, "CandidateId")
    if job_id not in state.positions or candidate_id not in state.candidates:
        raise ApiError(400, "JobId and CandidateId must name an existing position and name.")
    sendout_id = state.new_id()
    state.pipeline[sendout_id] = {
        "SendoutId": sendout_id,
        "JobId": job_id,
        "CandidateId": candidate_id,
        "CandidateName": " ".join(
            str(state.candidates[candidate_id].get(k) or "") for k in ("FirstName", "LastName")
        ),
        "InterviewType": _field(body, "InterviewType") or "PRESENTATION",
        "InterviewStatus": _field(body, "InterviewStatus") or "LINKNAME",
        "ArrangedDate": _now(),
    }
    return 200, {"SendoutId": sendout_id}


def _route(state: PCRecruiterState, method: str, parts: list[str], query: dict, body: Row):
    resource = parts[0]
    if resource == "candidates" and len(parts) == 1:
        if method == "GET":
            return 200, _search(list(state.candidates.values()), query)
        if method == "POST":
            return _create_candidate(state, body)
    if resource == "candidates" and len(parts) >= 2:
        try:
            candidate_id = int(parts[1])
        except ValueError:
            raise ApiError(404, "No such candidate.") from None
        if candidate_id not in state.candidates:
            raise ApiError(404, "No such candidate.")
        if len(parts) == 2 and method == "GET":
            return 200, state.candidates[candidate_id]
        if parts[2:] == ["activities"]:
            if method == "GET":
                return 200, _search(state.activities_of(candidate_id), query)
            if method == "POST":
                return _create_activity(state, candidate_id, body)
    if resource == "positions" and len(parts) == 1 and method == "GET":
        return 200, _search(list(state.positions.values()), query)
    if resource == "pipelineinterviews" and len(parts) == 1:
        if method == "GET":
            return 200, _search(list(state.pipeline.values()), query)
        if method == "POST":
            return _create_pipeline(state, body)
    if parts == ["system", "candidates", "customfields"] and method == "GET":
        return 200, _search(list(state.custom_fields), query)
    raise ApiError(404, "No such resource.")


def _session_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    query = {k.lower(): v for k, v in request.query_params.items()}
    return query.get("sessionid")


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


def _parts(path: str) -> list[str]:
    parts = [p.lower() for p in path.strip("/").split("/") if p]
    if parts and parts[0].endswith("v2"):
        parts[0] = parts[0][:-2]
    return parts


async def _handle(state: PCRecruiterState, request: Request, parts: list[str]) -> JSONResponse:
    fault = state.take_fault(parts[0] if parts else "")
    if fault is not None:
        headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
        raise ApiError(fault.status, fault.message, headers)
    body = await _body(request)
    if parts == ["access-token"]:
        if request.method == "DELETE":
            state.sessions.pop(_session_token(request) or "", None)
            return JSONResponse({"Success": True})
        creds = {k: str(v) for k, v in body.items()}
        for key, value in request.query_params.items():
            match = next((k for k in LOGIN_KEYS if k.lower() == key.lower()), None)
            if match:
                creds.setdefault(match, value)
        creds = {
            next((k for k in LOGIN_KEYS if k.lower() == c.lower()), c): v for c, v in creds.items()
        }
        return JSONResponse({"SessionId": state.login(creds)})
    state.check_session(_session_token(request))
    status, answer = _route(state, request.method, parts, dict(request.query_params), body)
    return JSONResponse(answer, status_code=status)


def create_app(state: PCRecruiterState | None = None, base_path: str = BASE_PATH) -> Starlette:
    """The emulated API under ``base_path``; ``app.state.pcrecruiter`` is the state."""
    pcr = state if state is not None else PCRecruiterState()
    prefix = base_path.rstrip("/")

    async def dispatch(request: Request) -> JSONResponse:
        path = request.url.path
        if not path.lower().startswith(prefix.lower() + "/"):
            return ApiError(404, "No such resource.").response()
        parts = _parts(path[len(prefix) :])
        pcr.calls[parts[0] if parts else ""] += 1
        try:
            return await _handle(pcr, request, parts)
        except ApiError as exc:
            return exc.response()

    methods = ["GET", "POST", "PUT", "DELETE"]
    app = Starlette(routes=[Route("/{path:path}", dispatch, methods=methods)])
    app.state.pcrecruiter = pcr
    return app


def seed_demo(state: PCRecruiterState) -> dict[str, str]:
    login = {
        "database_id": "Demo.Profile",
        "username": "demo",
        "password": secrets.token_hex(6),
        "api_key": secrets.token_hex(8),
        "app_id": secrets.token_hex(4),
    }
    state.add_login(*login.values())
    state.add_position("Senior Backend Engineer")
    state.add_position("Filled Role", status="Filled")
    state.add_custom_field("Source Sequence")
    state.add_candidate("Jane", "Doe", "jane@example.com")
    return login


def main(argv: Sequence[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="Serve the PCRecruiter API emulator locally.")
    parser.add_argument("--port", type=int, default=8768)
    args = parser.parse_args(argv)
    state = PCRecruiterState()
    login = seed_demo(state)
    print(f"PCRecruiter emulator on http://127.0.0.1:{args.port}{BASE_PATH}", flush=True)
    print(f"  PCRECRUITER_API_URL=http://127.0.0.1:{args.port}{BASE_PATH}", flush=True)
    for name, value in login.items():
        print(f"  {name}: {value}", flush=True)
    uvicorn.run(create_app(state), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
