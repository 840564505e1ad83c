"""An in-memory emulator of the Salesforce REST API the connector uses, plus the OAuth login
server (:mod:`bot.connectors.salesforce.emulator_oauth`), built from the vendor notes (PART A
of ``vendor-apis/salesforce-and-ashby.md``) and ``salesforce-core-openapi.yaml``.

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
* ``GET query?q=`` runs the SOQL subset of :mod:`bot.connectors.salesforce.soql` with
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

Tests seed a :class:`SalesforceState`, serve it with ``httpx.ASGITransport(app=create_app(
state))`` (the same app answers for the login host and the instance host), count calls per
endpoint in ``state.calls`` and inject faults with ``state.inject_fault`` and
``state.inject_record_error``. For demos: ``python -m bot.connectors.salesforce.emulator
--port 8766``.
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.connectors.salesforce import soql
from bot.connectors.salesforce.emulator_oauth import OAuthState, OAuthUser, oauth_routes
from bot.connectors.salesforce.schema import STRINGISH, FieldMeta, ObjectMeta, standard_objects

__all__ = [
    "DEFAULT_DAILY_LIMIT",
    "MAX_URI_LENGTH",
    "ApiFault",
    "RecordedCall",
    "SalesforceState",
    "create_app",
    "main",
]

DEFAULT_DAILY_LIMIT = 15_000  # Developer Edition allowance
MAX_URI_LENGTH = 16_384
COLLECTION_LIMIT = 200
QUERY_BATCH = 2_000
DUPLICATE_MESSAGE = "Use one of these records?"
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
VERSION_RE = re.compile(r"v\d+\.\d")
PERSON_OBJECTS = ("Lead", "Contact")
URL_VERSION = "v60.0"  # in record URLs that are not tied to one request's version


def _sf_datetime(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


@dataclass
class ApiFault:
    """An injected failure for calls whose endpoint label starts with ``endpoint``."""

    endpoint: str
    status: int
    error_code: str | None
    message: str
    remaining: int | None
    retry_after: float | None = None


@dataclass
class RecordFault:
    """An injected per-record refusal for the next creates of ``sobject`` (``*`` = any)."""

    sobject: str
    error_code: str
    message: str
    fields: list[str]
    remaining: int | None


@dataclass(frozen=True)
class RecordedCall:
    method: str
    endpoint: str
    status: int
    query: str | None = None
    body: Any = None


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: Sequence[str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.fields = list(fields) if fields is not None else None
        self.extra = dict(extra or {})

    def body(self) -> list[dict[str, Any]]:
        error: dict[str, Any] = {**self.extra, "message": self.message, "errorCode": self.code}
        if self.fields is not None:
            error["fields"] = self.fields
        return [error]


class RecordError(Exception):
    """One record refused; rendered with ``errorCode`` (single create) or ``statusCode``."""

    def __init__(
        self,
        code: str,
        message: str,
        fields: Sequence[str] = (),
        duplicate_result: dict[str, Any] | None = None,
    ):
        super().__init__(message)
        self.code, self.message, self.fields = code, message, list(fields)
        self.duplicate_result = duplicate_result

    def as_error(self, key: str, *, with_duplicates: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {key: self.code, "message": self.message, "fields": self.fields}
        if self.duplicate_result is not None and with_duplicates:
            out["duplicateResult"] = self.duplicate_result
        return out


class SalesforceState:
    """One emulated org: login server, records, metadata, limits and test hooks."""

    def __init__(
        self,
        *,
        login_url: str = "https://login.salesforce.com",
        clock: Callable[[], datetime] | None = None,
        daily_limit: int = DEFAULT_DAILY_LIMIT,
        max_uri_length: int = MAX_URI_LENGTH,
        query_batch_size: int = QUERY_BATCH,
    ):
        self.clock = clock or (lambda: datetime.now(UTC))
        self.oauth = OAuthState(login_url=login_url, clock=lambda: self.clock().timestamp())
        self.objects: dict[str, ObjectMeta] = standard_objects()
        self.records: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in self.objects}
        self.daily_limit = daily_limit
        self.api_usage = 0
        self._usage_day: date = self.clock().date()
        self.max_uri_length = max_uri_length
        self.query_batch_size = query_batch_size
        # Object being created → objects its duplicate rule compares the email with.
        self.duplicate_rules: dict[str, tuple[str, ...]] = {
            "Lead": ("Lead", "Contact"),
            "Contact": ("Contact", "Lead"),
        }
        self.duplicate_action = "alert"  # alert (allowSave header saves) | block | off
        self.duplicate_details_in_collections = True
        self.faults: list[ApiFault] = []
        self.record_faults: list[RecordFault] = []
        self.calls: Counter[str] = Counter()
        self.call_log: list[RecordedCall] = []
        self._cursors: dict[str, list[dict[str, Any]]] = {}

    # seeding -----------------------------------------------------------------------------

    def add_record(self, sobject: str, owner: OAuthUser | None = None, **values: Any) -> str:
        """Store a record as is (no validation); returns its id."""
        meta = self.objects[sobject]
        record_id = self.oauth.ids.new(meta.key_prefix)
        now = _sf_datetime(self.clock())
        record: dict[str, Any] = {
            f.name: f.default_value for f in meta.fields.values() if f.default_value is not None
        }
        record.update(values)
        record.update(
            Id=record_id,
            CreatedDate=now,
            LastModifiedDate=now,
            OwnerId=owner.id if owner else record.get("OwnerId"),
        )
        if "Name" in meta.fields:
            record["Name"] = " ".join(
                p for p in (record.get("FirstName"), record.get("LastName")) if p
            )
        self.records[sobject][record_id] = record
        return record_id

    def add_lead(
        self,
        email: str,
        last_name: str,
        company: str = "Acme",
        *,
        first_name: str | None = None,
        converted_to: str | None = None,
    ) -> str:
        values: dict[str, Any] = {"Email": email, "LastName": last_name, "Company": company}
        if first_name:
            values["FirstName"] = first_name
        if converted_to:
            values.update(
                IsConverted=True, ConvertedContactId=converted_to, Status="Closed - Converted"
            )
        return self.add_record("Lead", **values)

    def add_contact(self, email: str, last_name: str, *, first_name: str | None = None) -> str:
        values = {"Email": email, "LastName": last_name}
        if first_name:
            values["FirstName"] = first_name
        return self.add_record("Contact", **values)

    def add_custom_field(self, sobject: str, meta: FieldMeta) -> None:
        self.objects[sobject].fields[meta.name] = meta

    # test hooks --------------------------------------------------------------------------

    def inject_fault(
        self,
        endpoint: str = "",
        *,
        status: int = 503,
        error_code: str | None = None,
        message: str = "",
        times: int | None = 1,
        retry_after: float | None = None,
    ) -> ApiFault:
        """Fail the next ``times`` data calls whose endpoint label starts with ``endpoint``
        (``""`` = any) with ``status`` and, given ``error_code``, a Salesforce error body.
        ``retry_after`` adds a Retry-After header (a proxy's 429; Salesforce sends none)."""
        fault = ApiFault(endpoint, status, error_code, message, times, retry_after)
        self.faults.append(fault)
        return fault

    def inject_record_error(
        self,
        error_code: str = "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        message: str = "Records from this source need review",
        *,
        sobject: str = "*",
        fields: Sequence[str] = (),
        times: int | None = 1,
    ) -> None:
        """Refuse the next ``times`` record creates of ``sobject`` as a validation rule would."""
        self.record_faults.append(RecordFault(sobject, error_code, message, list(fields), times))

    def clear_faults(self) -> None:
        self.faults.clear()
        self.record_faults.clear()

    def set_api_usage(self, used: int, limit: int | None = None) -> None:
        self.api_usage = used
        if limit is not None:
            self.daily_limit = limit

    def reset_calls(self) -> None:
        self.calls.clear()
        self.call_log.clear()

    def people_with_email(self, email: str) -> list[tuple[str, str]]:
        """(object, id) of every Lead and Contact holding ``email`` (case-insensitive)."""
        wanted = email.casefold()
        return [
            (sobject, record["Id"])
            for sobject in PERSON_OBJECTS
            for record in self.records[sobject].values()
            if str(record.get("Email") or "").casefold() == wanted
        ]

    def tasks_for(self, who_id: str) -> list[dict[str, Any]]:
        return [t for t in self.records["Task"].values() if t.get("WhoId") == who_id]

    def data_calls(self) -> int:
        """Calls that reached the data API and counted against the daily allowance."""
        return sum(1 for c in self.call_log if c.status not in (401, 414))

    # internals ---------------------------------------------------------------------------

    def _roll_usage_day(self) -> None:
        today = self.clock().date()
        if today != self._usage_day:
            self._usage_day, self.api_usage = today, 0

    def limit_header(self) -> dict[str, str]:
        return {"Sforce-Limit-Info": f"api-usage={self.api_usage}/{self.daily_limit}"}

    def _take_fault(self, endpoint: str) -> ApiFault | None:
        for fault in self.faults:
            if endpoint.startswith(fault.endpoint):
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self.faults.remove(fault)
                return fault
        return None

    def _take_record_fault(self, sobject: str) -> RecordFault | None:
        for fault in self.record_faults:
            if fault.sobject in ("*", sobject):
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self.record_faults.remove(fault)
                return fault
        return None

    def _meta(self, sobject: str) -> ObjectMeta:
        meta = self.objects.get(sobject) or next(
            (m for m in self.objects.values() if m.name.lower() == sobject.lower()), None
        )
        if meta is None:
            raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        return meta

    def _render(self, meta: ObjectMeta, record: dict[str, Any], version: str) -> dict[str, Any]:
        return {
            "attributes": {
                "type": meta.name,
                "url": f"/services/data/{version}/sobjects/{meta.name}/{record['Id']}",
            }
        }

    # --- create -------------------------------------------------------------------------

    def create(
        self, sobject: str, values: Mapping[str, Any], *, allow_save: bool, commit: bool = True
    ) -> str:
        """Validate and store one record; raises RecordError when refused."""
        meta = self._meta(sobject)
        clean = self._validate(meta, values)
        fault = self._take_record_fault(meta.name)
        if fault is not None:
            raise RecordError(fault.error_code, fault.message, fault.fields)
        self._check_duplicates(meta, clean, allow_save)
        if not commit:
            return ""
        owner_id = clean.pop("OwnerId", None)
        record_id = self.add_record(meta.name, **clean)
        if owner_id:
            self.records[meta.name][record_id]["OwnerId"] = owner_id
        if meta.name == "Task" and clean.get("Status") == "Completed":
            self.records["Task"][record_id]["IsClosed"] = True
        return record_id

    def _validate(self, meta: ObjectMeta, values: Mapping[str, Any]) -> dict[str, Any]:
        clean: dict[str, Any] = {}
        for name, value in values.items():
            field_meta = meta.field(name)
            if field_meta is None:
                raise ApiError(
                    400,
                    "INVALID_FIELD",
                    f"No such column '{name}' on sobject of type {meta.name}",
                )
            if not field_meta.createable:
                raise RecordError(
                    "INVALID_FIELD_FOR_INSERT_UPDATE",
                    f"Unable to create/update fields: {field_meta.name}. Please check the "
                    "security settings of this field and verify that it is read/write for "
                    "your profile or permission set.",
                    [field_meta.name],
                )
            clean[field_meta.name] = value
        missing = [
            f.name
            for f in meta.fields.values()
            if f.required_on_create and (clean.get(f.name) in (None, ""))
        ]
        if missing:
            raise RecordError(
                "REQUIRED_FIELD_MISSING",
                f"Required fields are missing: [{', '.join(missing)}]",
                missing,
            )
        for name, value in clean.items():
            self._check_value(meta, meta.fields[name], value)
        return clean

    def _check_value(self, meta: ObjectMeta, field_meta: FieldMeta, value: Any) -> None:
        if value is None:
            return
        label = field_meta.label
        if field_meta.type in STRINGISH and not isinstance(value, str):
            raise RecordError(
                "JSON_PARSER_ERROR", f"Cannot deserialize value for {field_meta.name}"
            )
        if field_meta.type in STRINGISH and field_meta.length and len(value) > field_meta.length:
            raise RecordError(
                "STRING_TOO_LONG",
                f"{label}: data value too large: {value[:40]} (max length={field_meta.length})",
                [field_meta.name],
            )
        if field_meta.type == "email" and not EMAIL_RE.fullmatch(value):
            raise RecordError(
                "INVALID_EMAIL_ADDRESS",
                f"{label}: invalid email address: {value}",
                [field_meta.name],
            )
        if (
            field_meta.type == "picklist"
            and field_meta.restricted
            and value not in (field_meta.picklist)
        ):
            raise RecordError(
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                f"{label}: bad value for restricted picklist field: {value}",
                [field_meta.name],
            )
        if field_meta.type == "boolean" and not isinstance(value, bool):
            raise RecordError("JSON_PARSER_ERROR", f"Cannot deserialize {field_meta.name}")
        if field_meta.type == "reference" and field_meta.name != "OwnerId":
            targets = [t for t in field_meta.reference_to if t in self.records]
            if not any(value in self.records[t] for t in targets):
                raise RecordError(
                    "INVALID_CROSS_REFERENCE_KEY",
                    f"{label}: id value of incorrect type: {value}",
                    [field_meta.name],
                )
        if field_meta.type == "date":
            try:
                date.fromisoformat(value)
            except (TypeError, ValueError):
                raise RecordError(
                    "INVALID_TYPE_ON_FIELD_IN_RECORD",
                    f"{label}: value not of required type: {value}",
                    [field_meta.name],
                ) from None

    def _check_duplicates(self, meta: ObjectMeta, values: dict[str, Any], allow_save: bool) -> None:
        compared = self.duplicate_rules.get(meta.name)
        email = str(values.get("Email") or "").casefold()
        if self.duplicate_action == "off" or not compared or not email:
            return
        if self.duplicate_action == "alert" and allow_save:
            return
        matches: dict[str, list[str]] = {}
        for sobject in compared:
            for record in self.records[sobject].values():
                if str(record.get("Email") or "").casefold() != email:
                    continue
                if sobject == "Lead" and record.get("IsConverted"):
                    continue
                matches.setdefault(sobject, []).append(record["Id"])
        if matches:
            raise RecordError(
                "DUPLICATES_DETECTED",
                DUPLICATE_MESSAGE,
                [],
                _duplicate_result(meta.name, matches, URL_VERSION, self.duplicate_action),
            )


def _duplicate_result(
    entity: str, matches: dict[str, list[str]], version: str, action: str
) -> dict[str, Any]:
    return {
        "allowSave": action == "alert",
        "duplicateRule": f"Standard_{entity}_Duplicate_Rule",
        "duplicateRuleEntityType": entity,
        "errorMessage": DUPLICATE_MESSAGE,
        "matchResults": [
            {
                "entityType": sobject,
                "errors": [],
                "matchEngine": "FuzzyMatchEngine",
                "rule": f"Standard_{sobject}_Match_Rule_v1_1",
                "size": len(ids),
                "success": True,
                "matchRecords": [
                    {
                        "additionalInformation": [],
                        "fieldDiffs": [],
                        "matchConfidence": 100.0,
                        "record": {
                            "attributes": {
                                "type": sobject,
                                "url": f"/services/data/{version}/sobjects/{sobject}/{rid}",
                            },
                            "Id": rid,
                        },
                    }
                    for rid in ids
                ],
            }
            for sobject, ids in matches.items()
        ],
    }


# --- request handling -------------------------------------------------------------------


@dataclass
class Call:
    """What one data call needs: the state, the request and the API version in its URL."""

    state: SalesforceState
    request: Request
    version: str
    user: OAuthUser
    body: Any = None
    query_text: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _allow_save(request: Request) -> bool:
    header = request.headers.get("sforce-duplicate-rule-header", "")
    parts = dict(part.strip().split("=", 1) for part in header.split(";") if "=" in part.strip())
    return parts.get("allowSave", "").lower() == "true"


def _query_records(call: Call, text: str) -> dict[str, Any]:
    state = call.state
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
        {**state._render(meta, r, call.version), **{c.name: r.get(c.name) for c in selected}}
        for r in rows
    ]
    return _page(call, rendered, 0)


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


def _page(call: Call, rows: list[dict[str, Any]], offset: int, locator: str = "") -> dict[str, Any]:
    size = max(1, call.state.query_batch_size)
    chunk = rows[offset : offset + size]
    answer: dict[str, Any] = {"totalSize": len(rows), "done": offset + size >= len(rows)}
    if not answer["done"]:
        locator = locator or "01g" + secrets.token_hex(8)
        call.state._cursors[locator] = rows
        answer["nextRecordsUrl"] = f"/services/data/{call.version}/query/{locator}-{offset + size}"
    answer["records"] = chunk
    return answer


def _query(call: Call) -> Response:
    text = call.request.query_params.get("q")
    if not text:
        raise ApiError(400, "MALFORMED_QUERY", "A query string has to be specified")
    call.query_text = text
    return JSONResponse(_query_records(call, text))


def _query_more(call: Call, locator: str) -> Response:
    cursor_id, _, offset = locator.rpartition("-")
    rows = call.state._cursors.get(cursor_id)
    if rows is None or not offset.isdigit():
        raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    return JSONResponse(_page(call, rows, int(offset), cursor_id))


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


async def _create_one(call: Call, sobject: str) -> Response:
    call.body = body = await _json_body(call.request)
    try:
        record_id = call.state.create(
            sobject,
            _values(body) | {"OwnerId": call.user.id},
            allow_save=_allow_save(call.request),
        )
    except RecordError as exc:
        return JSONResponse([_single_error(exc)], status_code=400)
    return JSONResponse({"id": record_id, "success": True, "errors": []}, status_code=201)


def _single_error(exc: RecordError) -> dict[str, Any]:
    error = exc.as_error("errorCode")
    if exc.duplicate_result is None:
        return error
    return {"duplicateResult": exc.duplicate_result, **error}


async def _create_collection(call: Call) -> Response:
    call.body = body = await _json_body(call.request)
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
        meta = call.state._meta(kind)
        for name in _values(record):
            if meta.field(name) is None:
                raise ApiError(
                    400, "INVALID_FIELD", f"No such column '{name}' on sobject of type {kind}"
                )
    all_or_none = body.get("allOrNone") is True
    allow_save = _allow_save(call.request)
    results = _save_each(call, records, allow_save, commit=not all_or_none)
    if all_or_none:
        if any(not r["success"] for r in results):
            results = [r if not r["success"] else _rolled_back() for r in results]
        else:
            results = _save_each(call, records, allow_save, commit=True)
    return JSONResponse(results)


def _save_each(
    call: Call, records: list[dict[str, Any]], allow_save: bool, *, commit: bool
) -> list[dict[str, Any]]:
    results = []
    details = call.state.duplicate_details_in_collections
    for record in records:
        kind = record["attributes"]["type"]
        try:
            values = _values(record) | {"OwnerId": call.user.id}
            record_id = call.state.create(kind, values, allow_save=allow_save, commit=commit)
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


def _get_record(call: Call, sobject: str, record_id: str) -> Response:
    meta = call.state._meta(sobject)
    record = call.state.records[meta.name].get(record_id)
    if record is None:
        raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
    wanted = call.request.query_params.get("fields")
    names = [n.strip() for n in wanted.split(",")] if wanted else list(meta.fields)
    columns = [_column(meta, wanted or "", n) for n in names if n]
    body = {**call.state._render(meta, record, call.version)}
    body.update({c.name: record.get(c.name) for c in columns})
    return JSONResponse(body)


def _limits(call: Call) -> Response:
    state = call.state
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


def _endpoint(method: str, rest: str) -> str:
    """A short label for the call log: ``query``, ``composite/sobjects``, ``sobjects/Lead``,
    ``describe/Lead``..."""
    parts = [p for p in rest.split("/") if p]
    if not parts:
        return "versions"
    if parts[0] == "query":
        return "query" if len(parts) == 1 else "queryMore"
    if parts[:2] == ["composite", "sobjects"]:
        return "composite/sobjects"
    if parts[0] == "sobjects" and len(parts) == 3 and parts[2] == "describe":
        return f"describe/{parts[1]}"
    if parts[0] == "sobjects" and len(parts) == 2:
        return f"sobjects/{parts[1]}"
    if parts[0] == "sobjects" and len(parts) == 3:
        return f"record/{parts[1]}"
    return "/".join(parts[:2])


async def _route(call: Call, method: str, rest: str) -> Response:
    parts = [p for p in rest.split("/") if p]
    if method == "GET" and parts == ["query"]:
        return _query(call)
    if method == "GET" and len(parts) == 2 and parts[0] == "query":
        return _query_more(call, parts[1])
    if method == "POST" and parts == ["composite", "sobjects"]:
        return await _create_collection(call)
    if method == "GET" and parts == ["limits"]:
        return _limits(call)
    if parts and parts[0] == "sobjects":
        if method == "GET" and len(parts) == 3 and parts[2] == "describe":
            return JSONResponse(call.state._meta(parts[1]).describe(call.version))
        if method == "POST" and len(parts) == 2:
            return await _create_one(call, parts[1])
        if method == "GET" and len(parts) == 3:
            return _get_record(call, parts[1], parts[2])
    if method == "GET" and not parts:
        base = f"/services/data/{call.version}"
        return JSONResponse(
            {n: f"{base}/{n}" for n in ("limits", "query", "sobjects", "composite")}
        )
    raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")


def _fault_response(state: SalesforceState, fault: ApiFault) -> Response:
    headers = state.limit_header()
    if fault.retry_after is not None:
        headers["Retry-After"] = f"{fault.retry_after:g}"
    if fault.error_code is None:
        return PlainTextResponse("Service Unavailable", fault.status, headers=headers)
    body = [{"message": fault.message or fault.error_code, "errorCode": fault.error_code}]
    return JSONResponse(body, fault.status, headers=headers)


def create_app(state: SalesforceState | None = None) -> Starlette:
    """The emulated login server and REST API as one ASGI app (``app.state.salesforce``)."""
    sf = state if state is not None else SalesforceState()

    async def versions(request: Request) -> Response:
        return JSONResponse(
            [
                {"label": "Spring '24", "url": "/services/data/v60.0", "version": "60.0"},
                {"label": "Summer '26", "url": "/services/data/v67.0", "version": "67.0"},
            ]
        )

    async def data(request: Request) -> Response:
        version, rest = request.path_params["version"], request.path_params.get("rest", "")
        label = _endpoint(request.method, rest)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if len(target) > sf.max_uri_length:
            sf.calls["uri_too_long"] += 1
            sf.call_log.append(RecordedCall(request.method, label, 414))
            return PlainTextResponse("URI Too Long", status_code=414)
        sf.calls[label] += 1
        response, call = await _handle(sf, request, version, rest, label)
        query = call.query_text if call else None
        body = call.body if call else None
        sf.call_log.append(RecordedCall(request.method, label, response.status_code, query, body))
        return response

    app = Starlette(
        routes=[
            *oauth_routes(sf.oauth),
            Route("/services/data", versions, methods=["GET"]),
            Route("/services/data/", versions, methods=["GET"]),
            Route(
                "/services/data/{version}/{rest:path}",
                data,
                methods=["GET", "POST", "PATCH", "DELETE"],
            ),
            Route("/services/data/{version}", data, methods=["GET"]),
        ]
    )
    app.state.salesforce = sf
    return app


async def _handle(
    sf: SalesforceState, request: Request, version: str, rest: str, label: str
) -> tuple[Response, Call | None]:
    if not VERSION_RE.fullmatch(version):
        error = ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        return JSONResponse(error.body(), 404), None
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    user = sf.oauth.user_for_access_token(token) if token else None
    if user is None:
        body = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
        return JSONResponse(body, 401), None
    sf._roll_usage_day()
    if sf.api_usage >= sf.daily_limit:
        body = [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
        return JSONResponse(body, 403, headers=sf.limit_header()), None
    sf.api_usage += 1
    fault = sf._take_fault(label)
    if fault is not None:
        return _fault_response(sf, fault), None
    call = Call(sf, request, version, user)
    try:
        response = await _route(call, request.method, rest)
    except ApiError as exc:
        response = JSONResponse(exc.body(), exc.status)
    response.headers.update(sf.limit_header())
    return response, call


# --- sandbox command ----------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="Serve the Salesforce emulator on localhost.")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--client-id", default="emulated-client-id")
    parser.add_argument("--client-secret", default=None)
    parser.add_argument(
        "--redirect-uri",
        action="append",
        default=None,
        help="callback URL the connected app accepts (repeatable)",
    )
    args = parser.parse_args(argv)
    base = f"http://127.0.0.1:{args.port}"
    secret = args.client_secret or secrets.token_hex(16)
    password = secrets.token_urlsafe(9)
    redirects = args.redirect_uri or ["http://localhost:3000/oauth/salesforce/callback"]
    state = SalesforceState(login_url=base)
    state.oauth.add_client(args.client_id, secret, redirects)
    state.oauth.add_user("demo@example.com", password, base)
    state.add_lead("lead@example.com", "Lead", "Example Inc", first_name="Lena")
    state.add_contact("contact@example.com", "Contact", first_name="Carl")
    print(f"Salesforce emulator on {base}")
    print(f"  SALESFORCE_LOGIN_URL={base}")
    print(f"  SALESFORCE_CLIENT_ID={args.client_id}")
    print(f"  SALESFORCE_CLIENT_SECRET={secret}")
    print(f"  callback URLs: {', '.join(redirects)}")
    print(f"  log in as demo@example.com / {password}")
    uvicorn.run(create_app(state), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
