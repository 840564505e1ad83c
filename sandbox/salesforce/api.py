"""The Salesforce REST API the connector uses, plus the OAuth login server
(:mod:`.oauth`), built from the vendor notes (PART A of ``vendor-apis/salesforce-and-ashby.md``)
and ``salesforce-core-openapi.yaml``.

Documented behaviour it follows:

* Data calls live under ``/services/data/vXX.X/`` (any ``v\\d+.\\d`` accepted) and need
  ``Authorization: Bearer <access token>``; an unknown, revoked or expired token is 401
  ``[{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]``.
* Errors are a JSON array ``[{"message", "errorCode", "fields"}]``; in sObject Collections
  results the per-record key is ``statusCode``.
* Every data response carries ``Sforce-Limit-Info: api-usage=N/M``; each call counts against a
  daily allowance and, once it is used up, calls get 403 ``REQUEST_LIMIT_EXCEEDED``
  "TotalRequests Limit exceeded." (no ``Retry-After``).
* A request line longer than 16,384 characters is refused with HTTP 414 (no JSON body).
* ``GET query?q=`` runs the SOQL subset of :mod:`.soql` with
  case-insensitive string comparison, answering ``{totalSize, done, records,
  nextRecordsUrl?}``; records carry ``attributes``; further pages at ``query/<locator>-<n>``.
  Long text fields (``Description``) cannot be filtered (INVALID_FIELD).
* ``POST sobjects/{Object}`` → 201 ``{id, success, errors}``; ``POST composite/sobjects``
  creates up to 200 records in order (``allOrNone`` default false; with true a failure rolls
  back every record) and answers HTTP 200 with one ``{id?, success, errors}`` per record.
* Create validation from describe: unknown fields (INVALID_FIELD, whole request), read-only
  fields, required fields, lengths (STRING_TOO_LONG), email format, restricted picklists,
  references (WhoId must be a Lead or Contact).
* ``GET sobjects/{Object}/describe`` with realistic Lead, Contact and Task fields.
* Duplicate rules: a Lead or Contact create whose email matches an existing Lead (not
  converted) or Contact fails with DUPLICATES_DETECTED and a ``duplicateResult`` naming the
  matched records, unless ``Sforce-Duplicate-Rule-Header: allowSave=true`` and the rule
  only alerts. Action (``alert``/``block``/``off``) and the objects each rule looks at are
  configurable; so is whether Collections results carry ``duplicateResult`` (the notes say
  some versions leave it out).

Short-term limits are not published ("shorter requests unlimited"): no token bucket is set by
default; a configured one answers like the allowance does (403 ``REQUEST_LIMIT_EXCEEDED``, no
``Retry-After``). Injected faults with a ``code`` answer the error array; without one, a bare
"Service Unavailable".

Calls are labelled ``query``, ``queryMore``, ``composite/sobjects``, ``sobjects/Lead``,
``record/Lead``, ``describe/Lead``, ``limits``, ``versions`` (``uri_too_long`` for a 414); the
login server's calls go to ``state.oauth``'s own log.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from sandbox.kernel import Api, Call, Demo, Endpoint, Fault, Routes, build_app
from sandbox.salesforce import soql
from sandbox.salesforce.oauth import OAuthApi, OAuthUser
from sandbox.salesforce.org import (
    COLLECTION_LIMIT,
    VERSION_RE,
    ApiError,
    RecordError,
    SalesforceState,
)
from sandbox.salesforce.schema import FieldMeta, ObjectMeta

__all__ = ["SalesforceApi", "create_app", "demo"]

routes = Routes()


@dataclass
class Context:
    """One authenticated data call as a handler sees it."""

    state: SalesforceState
    request: Request
    call: Call
    user: OAuthUser

    @property
    def version(self) -> str:
        return self.request.path_params["version"]

    def param(self, name: str) -> str:
        return self.request.path_params[name]


def _allow_save(request: Request) -> bool:
    header = request.headers.get("sforce-duplicate-rule-header", "")
    parts = dict(part.strip().split("=", 1) for part in header.split(";") if "=" in part.strip())
    return parts.get("allowSave", "").lower() == "true"


def _query_records(ctx: Context, text: str) -> dict[str, Any]:
    state = ctx.state
    try:
        query = soql.parse(text)
    except soql.SoqlError as exc:
        raise ApiError(400, exc.code, exc.message) from None
    meta = state.objects.get(query.sobject) or next(
        (m for m in state.objects.values() if m.name.lower() == query.sobject.lower()), None
    )
    if meta is None:
        raise ApiError(
            400,
            "INVALID_TYPE",
            f"\n{text}\n^\nERROR at Row:1:Column:1\nsObject type '{query.sobject}' is not "
            "supported. If you are attempting to use a custom object, be sure to append the "
            "'__c' after the entity name. Please reference your WSDL or the describe call for "
            "the appropriate names.",
        )
    selected = [_column(meta, text, name) for name in query.fields]
    for name in soql.condition_fields(query.where):
        column = _column(meta, text, name)
        if not column.filterable:
            raise ApiError(
                400,
                "INVALID_FIELD",
                f"\n{text}\n^\nERROR at Row:1:Column:1\nfield '{column.name}' can not be "
                "filtered in query call",
            )
    rows = [
        r
        for r in state.records[meta.name].values()
        if soql.matches(query.where, lambda n, r=r: r.get(_column(meta, text, n).name))
    ]
    if query.order_by:
        column = _column(meta, text, query.order_by[0])
        rows.sort(
            key=lambda r: (r.get(column.name) is None, r.get(column.name) or ""),
            reverse=query.order_by[1],
        )
    if query.limit is not None:
        rows = rows[: query.limit]
    if query.count:
        return {"totalSize": len(rows), "done": True, "records": []}
    rendered = [
        {**state._render(meta, r, ctx.version), **{c.name: r.get(c.name) for c in selected}}
        for r in rows
    ]
    return _page(ctx, rendered, 0)


def _column(meta: ObjectMeta, text: str, name: str) -> FieldMeta:
    column = meta.field(name)
    if column is None:
        raise ApiError(
            400,
            "INVALID_FIELD",
            f"\n{text}\n^\nERROR at Row:1:Column:1\nNo such column '{name}' on entity "
            f"'{meta.name}'. If you are attempting to use a custom field, be sure to append the "
            "'__c' after the custom field name. Please reference your WSDL or the describe call "
            "for the appropriate names.",
        )
    return column


def _page(
    ctx: Context, rows: list[dict[str, Any]], offset: int, locator: str = ""
) -> dict[str, Any]:
    size = max(1, ctx.state.query_batch_size)
    chunk = rows[offset : offset + size]
    answer: dict[str, Any] = {"totalSize": len(rows), "done": offset + size >= len(rows)}
    if not answer["done"]:
        locator = locator or "01g" + ctx.state.ids.token(8)
        ctx.state._cursors[locator] = rows
        answer["nextRecordsUrl"] = f"/services/data/{ctx.version}/query/{locator}-{offset + size}"
    answer["records"] = chunk
    return answer


@routes.get("/{version}/query", label="query")
async def _query(ctx: Context) -> Response:
    text = ctx.request.query_params.get("q")
    if not text:
        raise ApiError(400, "MALFORMED_QUERY", "A query string has to be specified")
    return JSONResponse(_query_records(ctx, text))


@routes.get("/{version}/query/{locator}", label="queryMore")
async def _query_more(ctx: Context) -> Response:
    cursor_id, _, offset = ctx.param("locator").rpartition("-")
    rows = ctx.state._cursors.get(cursor_id)
    if rows is None or not offset.isdigit():
        raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    return JSONResponse(_page(ctx, rows, int(offset), cursor_id))


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    try:
        return json.loads(raw)
    except ValueError:
        raise ApiError(400, "JSON_PARSER_ERROR", "Unexpected character in JSON body") from None


def _values(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ApiError(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of sObject")
    return {k: v for k, v in body.items() if k != "attributes"}


@routes.post("/{version}/sobjects/{sobject}", label="sobjects/{sobject}")
async def _create_one(ctx: Context) -> Response:
    ctx.call.body = body = await _json_body(ctx.request)
    try:
        record_id = ctx.state.create(
            ctx.param("sobject"),
            _values(body) | {"OwnerId": ctx.user.id},
            allow_save=_allow_save(ctx.request),
        )
    except RecordError as exc:
        return JSONResponse([_single_error(exc)], status_code=400)
    return JSONResponse({"id": record_id, "success": True, "errors": []}, status_code=201)


def _single_error(exc: RecordError) -> dict[str, Any]:
    error = exc.as_error("errorCode")
    if exc.duplicate_result is None:
        return error
    return {"duplicateResult": exc.duplicate_result, **error}


@routes.post("/{version}/composite/sobjects", label="composite/sobjects")
async def _create_collection(ctx: Context) -> Response:
    ctx.call.body = body = await _json_body(ctx.request)
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        raise ApiError(400, "JSON_PARSER_ERROR", "Expected an object with a records array")
    records = body["records"]
    if len(records) > COLLECTION_LIMIT:
        raise ApiError(
            400,
            "EXCEEDED_ID_LIMIT",
            "EXCEEDED_ID_LIMIT: record limit reached. cannot submit more than 200 records into "
            "this call",
        )
    for record in records:
        kind = record.get("attributes", {}).get("type") if isinstance(record, dict) else None
        if not kind:
            raise ApiError(400, "INVALID_TYPE", "Must send a concrete entity type.")
        meta = ctx.state._meta(kind)
        for name in _values(record):
            if meta.field(name) is None:
                raise ApiError(
                    400, "INVALID_FIELD", f"No such column '{name}' on sobject of type {kind}"
                )
    all_or_none = body.get("allOrNone") is True
    allow_save = _allow_save(ctx.request)
    results = _save_each(ctx, records, allow_save, commit=not all_or_none)
    if all_or_none:
        if any(not r["success"] for r in results):
            results = [r if not r["success"] else _rolled_back() for r in results]
        else:
            results = _save_each(ctx, records, allow_save, commit=True)
    return JSONResponse(results)


def _save_each(
    ctx: Context, records: list[dict[str, Any]], allow_save: bool, *, commit: bool
) -> list[dict[str, Any]]:
    results = []
    details = ctx.state.duplicate_details_in_collections
    for record in records:
        kind = record["attributes"]["type"]
        try:
            values = _values(record) | {"OwnerId": ctx.user.id}
            record_id = ctx.state.create(kind, values, allow_save=allow_save, commit=commit)
            results.append({"id": record_id, "success": True, "errors": []})
        except RecordError as exc:
            error = exc.as_error("statusCode", with_duplicates=details)
            results.append({"success": False, "errors": [error]})
    return results


def _rolled_back() -> dict[str, Any]:
    return {
        "success": False,
        "errors": [
            {
                "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                "message": "Record rolled back because not all records were valid and the "
                "request was using AllOrNone header",
                "fields": [],
            }
        ],
    }


@routes.get("/{version}/sobjects/{sobject}/describe", label="describe/{sobject}")
async def _describe(ctx: Context) -> Response:
    return JSONResponse(ctx.state._meta(ctx.param("sobject")).describe(ctx.version))


@routes.get("/{version}/sobjects/{sobject}/{id}", label="record/{sobject}")
async def _get_record(ctx: Context) -> Response:
    meta = ctx.state._meta(ctx.param("sobject"))
    record = ctx.state.records[meta.name].get(ctx.param("id"))
    if record is None:
        raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
    wanted = ctx.request.query_params.get("fields")
    names = [n.strip() for n in wanted.split(",")] if wanted else list(meta.fields)
    columns = [_column(meta, wanted or "", n) for n in names if n]
    body = {**ctx.state._render(meta, record, ctx.version)}
    body.update({c.name: record.get(c.name) for c in columns})
    return JSONResponse(body)


@routes.get("/{version}/limits", label="limits")
async def _limits(ctx: Context) -> Response:
    state = ctx.state
    return JSONResponse(
        {
            "DailyApiRequests": {
                "Max": state.daily_limit,
                "Remaining": max(state.daily_limit - state.api_usage, 0),
            },
            "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 10000},
            "DataStorageMB": {"Max": 5, "Remaining": 5},
            "SingleEmail": {"Max": 15, "Remaining": 15},
        }
    )


@routes.get("/{version}", label="versions")
async def _resources(ctx: Context) -> Response:
    base = f"/services/data/{ctx.version}"
    return JSONResponse({n: f"{base}/{n}" for n in ("limits", "query", "sobjects", "composite")})


@routes.route(("GET", "POST", "PATCH", "DELETE"), "/{version}/{rest:path}", label="{rest}")
async def _not_found(ctx: Context) -> Response:
    raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")


@routes.get("", label="versions", public=True)
@routes.get("/", label="versions", public=True)
async def _versions(_: None) -> Response:
    return JSONResponse(
        [
            {"label": "Spring '24", "url": "/services/data/v60.0", "version": "60.0"},
            {"label": "Summer '26", "url": "/services/data/v67.0", "version": "67.0"},
        ]
    )


# --- HTTP layer -------------------------------------------------------------------------------


class SalesforceApi(Api[SalesforceState]):
    name = "salesforce"
    routes = routes
    prefix = "/services/data"
    throttle = Fault(
        status=403, code="REQUEST_LIMIT_EXCEEDED", message="TotalRequests Limit exceeded."
    )
    throttle_retry_after = False

    async def label(self, state: SalesforceState, endpoint: Endpoint, request: Request) -> str:
        if len(_target(request)) > state.max_uri_length:
            return "uri_too_long"
        return await super().label(state, endpoint, request)

    async def credential(self, state: SalesforceState, request: Request) -> str | None:
        user = _user(state, request)
        return user.id if user else None

    async def handle(
        self, state: SalesforceState, endpoint: Endpoint, request: Request, call: Call
    ) -> Response:
        if len(_target(request)) > state.max_uri_length:
            return PlainTextResponse("URI Too Long", status_code=414)
        if endpoint.options.get("public"):
            return await endpoint.handler(None)
        ctx = None
        try:
            ctx = _authorise(state, request, call)
            response = await endpoint.handler(ctx)
        except ApiError as exc:
            call.error = exc.code
            response = JSONResponse(exc.body(), exc.status)
            if ctx is None and exc.status != 403:
                return response  # refused before the allowance was looked at
        response.headers.update(state.limit_header())
        return response

    def failure(self, state: SalesforceState, fault: Fault, request: Request) -> Response:
        status, headers = fault.status or 503, state.limit_header()
        if fault.code is None:
            return PlainTextResponse("Service Unavailable", status, headers=headers)
        body = [{"message": fault.message or fault.code, "errorCode": fault.code}]
        return JSONResponse(body, status, headers=headers)


def _target(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def _user(state: SalesforceState, request: Request) -> OAuthUser | None:
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    return state.oauth.user_for_access_token(token) if token else None


def _authorise(state: SalesforceState, request: Request, call: Call) -> Context:
    """The version, the session and the daily allowance, in the order Salesforce checks them."""
    if not VERSION_RE.fullmatch(request.path_params["version"]):
        raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
    user = _user(state, request)
    if user is None:
        raise ApiError(401, "INVALID_SESSION_ID", "Session expired or invalid")
    state.roll_usage_day()
    if state.api_usage >= state.daily_limit:
        raise ApiError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
    state.api_usage += 1
    return Context(state, request, call, user)


def create_app(state: SalesforceState | None = None) -> Starlette:
    """The login server and the REST API as one ASGI app (``app.state.salesforce``): the same
    app answers for the login host and the instance host."""
    org = state if state is not None else SalesforceState()
    return build_app(SalesforceApi(), org, (OAuthApi(), org.oauth))


def demo(origin: str) -> tuple[SalesforceState, Demo]:
    state = SalesforceState(login_url=origin)
    client_id, secret = "emulated-client-id", state.ids.token(16)
    password = state.ids.token(6)
    redirect = "http://localhost:3000/oauth/salesforce/callback"
    state.oauth.add_client(client_id, secret, [redirect])
    state.oauth.add_user("demo@example.com", password, origin)
    state.add_lead("lead@example.com", "Lead", "Example Inc", first_name="Lena")
    # Jane is in every demo account, so adding her to a sequence shows the duplicate alert.
    state.add_lead("jane@example.com", "Doe", "Example Inc", first_name="Jane")
    state.add_contact("contact@example.com", "Contact", first_name="Carl")
    settings = {
        "SALESFORCE_LOGIN_URL": origin,
        "SALESFORCE_CLIENT_ID": client_id,
        "SALESFORCE_CLIENT_SECRET": secret,
    }
    credentials = {"username": "demo@example.com", "password": password}
    return state, Demo("Salesforce", origin, settings, credentials, [f"callback URL: {redirect}"])
