"""Salesforce connector: Leads and Contacts found before created, email activity as Tasks.

Vendor facts relied on (vendor notes PART A, ``salesforce-core-openapi.yaml``):

* Data calls go to ``{instance_url}/services/data/vXX.X/...`` with a Bearer access token. An
  expired session is 401 ``INVALID_SESSION_ID`` (tokens carry no ``expires_in``): refresh once
  through :mod:`bot.connectors.salesforce.oauth` and repeat the call once; ``invalid_grant``
  on refresh means the teammate must reconnect (AuthError → needs_reauth). A refreshed token
  goes into the :class:`~bot.connectors.skeleton.SessionCache` of whoever builds connectors,
  so the next connector for the same login starts with it instead of refreshing again.
* Errors are ``[{"message", "errorCode", "fields"}]``; Collections results use ``statusCode``.
* ``Sforce-Limit-Info: api-usage=N/M`` comes with every data answer; the daily allowance used
  up is 403 ``REQUEST_LIMIT_EXCEEDED`` with no ``Retry-After``: it is not retried, it pauses the
  connection (RateLimitError) until the allowance is back (next UTC midnight by default).
* Query answers page through ``nextRecordsUrl`` until ``done``.
* SOQL ``Email IN (...)`` compares case-insensitively; string literals escape ``\\ ' " \\n \\r
  \\t`` with a backslash. URI plus headers must stay under 16,384 bytes, so each find batch
  (up to 200 emails) is split further when its query URL would exceed the budget.
  Converted Leads are skipped (``IsConverted = false``): their person is the Contact.
* ``POST composite/sobjects`` creates up to 200 records with ``allOrNone: false`` and answers
  one result per record in order; an unknown field fails the whole call.
* DUPLICATES_DETECTED (a duplicate rule) may carry ``duplicateResult.matchResults[].
  matchRecords[].record.Id``; when it does not, the email is looked up again.
* A Task with ``TaskSubtype`` ``Email`` (create-only) and ``Status`` ``Completed`` shows as a
  logged email on the person's timeline; ``WhoId`` is the Lead or Contact. Long text
  (``Description``) cannot be filtered in SOQL, so the marker written at its end is found by
  reading the person's email Tasks.

Chosen here: Lead ``Company`` falls back to ``[not provided]`` (what Salesforce's own Lead
conversion tools write); ``LastName`` falls back to the first name, then the email's local
part; text is cut to the field lengths of a default org. When an email is both a Lead and a
Contact, the Contact wins (the qualified record); among several, the oldest.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from bot.connectors.activity_text import marker_tag
from bot.connectors.base import (
    ActivityKind,
    ActivityRecord,
    Capability,
    ContactData,
    CrmIdentity,
    CrmJob,
    CrmRecord,
    FieldSpec,
)
from bot.connectors.error_map import ErrorRule, ErrorTable, short
from bot.connectors.errors import (
    AuthError,
    ConfigError,
    ConnectorError,
    RateLimitError,
    SystemError_,
    TransientError,
    ValidationError,
)
from bot.connectors.http import RetryPolicy
from bot.connectors.paging import Cursor, PageRequest
from bot.connectors.salesforce import oauth
from bot.connectors.salesforce.soql import quote
from bot.connectors.skeleton import (
    ConnectorOptions,
    HttpConnector,
    SessionCache,
    normalise_email,
    unique_emails,
)

__all__ = [
    "API_VERSION",
    "ERRORS",
    "SalesforceConnector",
    "SalesforceOptions",
    "lead_or_contact_body",
    "parse_limit_info",
    "task_body",
]

VENDOR = "Salesforce"
API_VERSION = "60.0"
LEAD, CONTACT = "Lead", "Contact"
MAX_FIND_BATCH = 200
EMAIL_LENGTH = 80
MAX_URL_LENGTH = 15_000  # 16,384 bytes for URI + headers, minus room for the headers
COMPANY_FALLBACK = "[not provided]"
SNIPPET_CHARS = 1_000
QUERY_PAGES = Cursor(cursor_at="nextRecordsUrl", done_at="done", records_key="records")
FIND_FIELDS = "Id, Email, FirstName, LastName, CreatedDate"
LIMIT_INFO = re.compile(r"api-usage=(\d+)/(\d+)")
TRANSIENT_CODES = frozenset({"UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE", "UNKNOWN_EXCEPTION"})

LENGTHS: dict[str, dict[str, int]] = {
    LEAD: {
        "FirstName": 40,
        "LastName": 80,
        "Company": 255,
        "Title": 128,
        "Phone": 40,
        "City": 40,
    },
    CONTACT: {"FirstName": 40, "LastName": 80, "Title": 128, "Phone": 40, "MailingCity": 40},
    "Task": {"Subject": 255, "Description": 32_000},
}

SUBJECT_PREFIX: dict[ActivityKind, str] = {
    ActivityKind.SENT: "Email",
    ActivityKind.OPENED: "Email opened",
    ActivityKind.CLICKED: "Email link clicked",
    ActivityKind.REPLIED: "Reply",
    ActivityKind.BOUNCED: "Email bounced",
}

FIELD_TYPES = {
    "string": "string",
    "textarea": "text",
    "email": "email",
    "phone": "phone",
    "url": "url",
    "picklist": "picklist",
    "multipicklist": "multipicklist",
    "combobox": "string",
    "boolean": "boolean",
    "date": "date",
    "datetime": "datetime",
    "double": "number",
    "int": "number",
    "percent": "number",
    "currency": "currency",
    "reference": "reference",
}


class _BudgetExhausted(ConfigError):
    """REQUEST_LIMIT_EXCEEDED, raised past the retrying HTTP layer (a ConfigError, so it is
    not retried) and turned into a RateLimitError by the connector."""


def _errors(body: Any) -> tuple[str | None, str | None]:
    """The first of Salesforce's ``[{"errorCode", "message"}]`` (or an OAuth error body)."""
    first = body[0] if isinstance(body, list) and body else body
    if not isinstance(first, dict):
        return None, None
    code = first.get("errorCode") or first.get("error")
    message = first.get("message") or first.get("error_description")
    return (str(code) if code else None), message


# Salesforce's error array on top of the HTTP status.
ERRORS = ErrorTable(
    vendor=VENDOR,
    credential="Salesforce login",
    read=_errors,
    rules=(
        ErrorRule(
            AuthError,
            "Salesforce ended the session (HTTP 401 INVALID_SESSION_ID).",
            status=401,
            fallback_code="INVALID_SESSION_ID",
        ),
        ErrorRule(
            _BudgetExhausted,
            "Salesforce API allowance used up.",
            status=403,
            code="REQUEST_LIMIT_EXCEEDED",
        ),
        ErrorRule(
            AuthError,
            "Salesforce refused {op} for this user (HTTP 403 {code_label}): the user may lack "
            "the API Enabled permission or access to Leads, Contacts or Tasks. Ask a Salesforce "
            "admin, then reconnect.{said}",
            status=403,
        ),
        ErrorRule(
            SystemError_,
            "The request for {op} was too long for Salesforce (HTTP {status}).",
            status=frozenset({414, 431}),
        ),
        ErrorRule(
            TransientError,
            "Salesforce was busy ({code}) during {op}; it will be retried.",
            code=TRANSIENT_CODES,
        ),
        ErrorRule(
            ValidationError,
            "Salesforce refused {op} ({code}).{said}",
            status=frozenset({400, 404}),
            when=lambda failure: failure.code is not None,
        ),
    ),
)


class _Bearer(httpx.Auth):
    def __init__(self, connector: SalesforceConnector):
        self._connector = connector

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self._connector._access_token
        if token:
            request.headers["Authorization"] = f"Bearer {token}"
        yield request


def parse_limit_info(header: str | None) -> tuple[int, int] | None:
    """``(used, allowed)`` from ``Sforce-Limit-Info: api-usage=18/15000``."""
    match = LIMIT_INFO.search(header or "")
    return (int(match[1]), int(match[2])) if match else None


@dataclass(frozen=True, slots=True, kw_only=True)
class SalesforceOptions(ConnectorOptions):
    """The app's connected app (from Settings) and the limits this connector works within."""

    login_url: str = "https://login.salesforce.com"
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    api_version: str = API_VERSION
    max_url_length: int = MAX_URL_LENGTH
    # How long a used-up daily allowance pauses syncing; None: until the next UTC midnight.
    limit_pause_seconds: float | None = None


class SalesforceConnector(HttpConnector):
    """One teammate's Salesforce login behind the :class:`~bot.connectors.base.Connector`
    contract. Credentials are the refresh token and instance URL the OAuth flow stored."""

    kind = "salesforce"
    display_name = VENDOR
    record_types = (LEAD, CONTACT)
    capabilities = frozenset({Capability.ACTIVITY, Capability.FIELD_MAPPING})
    find_batch_size = MAX_FIND_BATCH
    create_batch_size = 200
    activity_batch_size = 200
    options_type = SalesforceOptions
    errors = ERRORS

    def __init__(
        self,
        *,
        refresh_token: str,
        instance_url: str,
        access_token: str | None = None,
        identity_url: str | None = None,
        options: SalesforceOptions | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy | None = None,
        sessions: SessionCache | None = None,
        clock: Callable[[], datetime] | None = None,
        **overrides: Any,
    ):
        self.options: SalesforceOptions = self.configure(options, overrides)
        self.login_url = self.options.login_url.rstrip("/")
        self.api_usage: tuple[int, int] | None = None
        self._clock = clock or (lambda: datetime.now(UTC))
        self._refresh_token = refresh_token
        self._identity_url = identity_url or None
        self._transport = transport
        self._sessions = sessions if sessions is not None else SessionCache()
        self._session_key = SessionCache.key(
            self.login_url, self.options.client_id or "", refresh_token
        )
        # The newest session refreshed for this login beats the one stored at connect time.
        self._access_token = self._sessions.get(self._session_key) or access_token
        self._data_path = f"services/data/v{self.options.api_version}/"
        super().__init__(
            base_url=instance_url,
            options=self.options,
            transport=transport,
            retry=retry,
            auth=_Bearer(self),
            secrets=(refresh_token, self.options.client_secret or "", access_token or ""),
        )

    @property
    def instance_url(self) -> str:
        return self.base_url

    # --- Connector ----------------------------------------------------------------------------

    async def verify(self) -> CrmIdentity:
        if not self._access_token or not self._identity_url:
            await self._refresh()
        try:
            identity = await self._identity()
        except AuthError:
            await self._refresh()
            identity = await self._identity()
        username = identity.get("username") or identity.get("email") or "Salesforce user"
        host = httpx.URL(self.instance_url).host
        return CrmIdentity(label=f"{username} ({host})", account_id=identity.get("organization_id"))

    async def find_by_emails(
        self, emails: Sequence[str], record_types: Sequence[str] | None = None
    ) -> dict[str, CrmRecord]:
        wanted = unique_emails(emails)
        # Salesforce's Email fields hold at most 80 characters: a longer address cannot be
        # there, and creating it is refused per record (STRING_TOO_LONG) with its reason.
        wanted = [e for e in wanted if len(e) <= EMAIL_LENGTH]
        found: dict[str, list[CrmRecord]] = {}
        for sobject in self.searched_types(record_types):
            for chunk in self._email_chunks(wanted, sobject):
                for row in await self._query_all(_find_soql(sobject, chunk)):
                    record = self._record(sobject, row)
                    if record.emails:
                        found.setdefault(record.emails[0], []).append(record)
        # Contacts are preferred; within a type the oldest comes first.
        return {email: _preferred(records) for email, records in found.items()}

    async def create(self, contact: ContactData, record_type: str) -> CrmRecord:
        [result] = await self.create_many([contact], record_type)
        if isinstance(result, ConnectorError):
            raise result
        return result

    async def create_many(
        self, contacts: Sequence[ContactData], record_type: str
    ) -> list[CrmRecord | ConnectorError]:
        self.check_record_type(record_type)
        if not contacts:
            return []
        if len(contacts) > self.create_batch_size:
            raise SystemError_(
                f"At most {self.create_batch_size} Salesforce records can be created per call."
            )
        bodies = [lead_or_contact_body(c, record_type) for c in contacts]
        results = await self._create_collection(record_type, bodies, "create records")
        if isinstance(results, ValidationError):
            return [results] * len(contacts)
        return await self._outcomes(contacts, record_type, results)

    async def assign_to_job(self, record: CrmRecord, job_id: str) -> None:
        raise ConfigError(
            "Salesforce has no jobs to assign people to; clear the job setting for this "
            "Salesforce connection."
        )

    async def log_activity(self, record: CrmRecord, activity: ActivityRecord) -> str:
        answer = await self._request(
            "POST",
            "sobjects/Task",
            op="log an email Task",
            json=task_body(record.id, activity),
            idempotent=False,
        )
        return _require_id(answer, "the Task create")

    async def log_activities(
        self, items: Sequence[tuple[CrmRecord, ActivityRecord]]
    ) -> list[str | ConnectorError]:
        """Tasks through sObject Collections: up to 200 per call, each accepted or refused."""
        if not items:
            return []
        bodies = [task_body(record.id, activity) for record, activity in items]
        results = await self._create_collection("Task", bodies, "log email Tasks")
        if isinstance(results, ValidationError):
            return [results] * len(items)
        return [_task_outcome(result) for result in results]

    async def activity_exists(self, record: CrmRecord, marker: str) -> bool:
        soql = (
            "SELECT Id, Description FROM Task WHERE WhoId = "
            f"{quote(record.id)} AND TaskSubtype = 'Email' ORDER BY CreatedDate DESC"
        )
        tag = marker_tag(marker)
        return any(tag in str(row.get("Description") or "") for row in await self._query_all(soql))

    async def list_jobs(self, query: str = "") -> list[CrmJob]:
        return []  # Salesforce has no jobs (no JOBS capability)

    async def describe_fields(self, record_type: str) -> list[FieldSpec]:
        self.check_record_type(record_type)
        answer = await self._request(
            "GET", f"sobjects/{record_type}/describe", op=f"describe {record_type}"
        )
        fields = (answer.get("fields") if isinstance(answer, dict) else None) or []
        return [_field_spec(f) for f in fields if isinstance(f, dict) and f.get("createable")]

    async def _create_collection(
        self, sobject: str, bodies: Sequence[Mapping[str, Any]], op: str
    ) -> list[Any] | ValidationError:
        """Create records through sObject Collections: one result per body, in order, or the
        error refusing the whole call (e.g. a mapped field the org does not have)."""
        records = [{"attributes": {"type": sobject}, **body} for body in bodies]
        body = {"allOrNone": False, "records": records}
        try:
            results = await self._request(
                "POST", "composite/sobjects", op=op, json=body, idempotent=False
            )
        except ValidationError as exc:
            return exc
        if not isinstance(results, list) or len(results) != len(bodies):
            raise SystemError_(f"Salesforce answered {op} with a different number of results.")
        return results

    # --- requests, sessions, limits -----------------------------------------------------------

    async def _request(
        self,
        method: str,
        path: str,
        *,
        op: str,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        idempotent: bool = True,
    ) -> Any:
        """A data call's decoded answer, refreshing the session once if it expired (a 401 was
        not processed, so repeating even a create is safe)."""
        if not self._access_token:
            await self._refresh()
        url = path if path.startswith("services/") else self._data_path + path
        for attempt in (1, 2):
            try:
                return await self.request_json(
                    method, url, op=op, json=json, params=params, idempotent=idempotent
                )
            except _BudgetExhausted as exc:
                raise self._budget_error(exc) from None
            except AuthError as exc:
                if exc.code != "INVALID_SESSION_ID" or attempt == 2:
                    raise
                await self._refresh()
        raise SystemError_("unreachable")  # pragma: no cover

    async def _refresh(self) -> None:
        grant = await oauth.refresh_access_token(
            self.login_url,
            self.options.client_id or "",
            self.options.client_secret or "",
            self._refresh_token,
            transport=self._transport,
        )
        self._access_token = grant.access_token
        self._identity_url = grant.identity_url or self._identity_url
        self._sessions.put(self._session_key, grant.access_token)
        if grant.instance_url != self.instance_url:
            raise ConfigError(
                "Salesforce moved this org to another address; reconnect Salesforce so the "
                "new address is used."
            )

    async def _identity(self) -> dict[str, Any]:
        if not self._identity_url:
            raise SystemError_("Salesforce gave no identity URL for this login.")
        body = await self.request_json("GET", self._identity_url, op="identity")
        if not isinstance(body, dict):
            raise SystemError_("Salesforce answered the identity call with something unexpected.")
        return body

    def _classify(self, response: httpx.Response, op: str) -> ConnectorError | None:
        usage = parse_limit_info(response.headers.get("Sforce-Limit-Info"))
        if usage:
            self.api_usage = usage
        return super()._classify(response, op)

    def _budget_error(self, exc: ConnectorError) -> RateLimitError:
        now = self._clock()
        if self.options.limit_pause_seconds is not None:
            wait = self.options.limit_pause_seconds
        else:
            midnight = datetime(now.year, now.month, now.day, tzinfo=UTC) + timedelta(days=1)
            wait = max((midnight - now).total_seconds(), 60.0)
        resume = now + timedelta(seconds=wait)
        used = (
            f" ({self.api_usage[0]:,} of {self.api_usage[1]:,} calls used)"
            if self.api_usage
            else ""
        )
        return RateLimitError(
            f"Salesforce's daily API allowance for this org is used up{used}. Syncing to "
            f"Salesforce is paused until about {resume:%Y-%m-%d %H:%M} UTC and then resumes by "
            "itself; nothing is lost. A Salesforce admin can see the allowance under Setup > "
            "Company Information.",
            retry_after=wait,
            status=exc.status,
            code="REQUEST_LIMIT_EXCEEDED",
        )

    # --- queries --------------------------------------------------------------------------

    def _query_url_length(self, soql: str) -> int:
        url = httpx.URL(f"{self.instance_url}/{self._data_path}query", params={"q": soql})
        return len(url.raw_path)

    def _email_chunks(self, emails: list[str], sobject: str) -> list[list[str]]:
        """Emails in groups of up to 200 whose query URL stays within ``max_url_length``.
        URL encoding works character by character, so a group's URL length is the empty
        query's plus each literal's encoded length (and a comma between literals)."""
        base = self._query_url_length(_find_soql(sobject, []))
        comma = self._encoded_length(",")
        chunks: list[list[str]] = []
        current: list[str] = []
        length = base
        for email in emails:
            cost = self._encoded_length(quote(email))
            if base + cost > self.options.max_url_length:
                raise ConfigError(
                    f"The Salesforce URL limit ({self.options.max_url_length}) is too small for "
                    "a query."
                )
            extra = cost + (comma if current else 0)
            full = length + extra > self.options.max_url_length or len(current) >= MAX_FIND_BATCH
            if current and full:
                chunks.append(current)
                current, length, extra = [], base, cost
            current.append(email)
            length += extra
        if current:
            chunks.append(current)
        return chunks

    def _encoded_length(self, text: str) -> int:
        return len(httpx.URL("https://x/", params={"q": text}).raw_path) - len(b"/?q=")

    async def _query_all(self, soql: str) -> list[dict[str, Any]]:
        async def fetch(page: PageRequest) -> Any:
            if page.path is None:
                return await self._request("GET", "query", op="query", params={"q": soql})
            return await self._request("GET", page.path, op="query more")

        return [row async for row in self.pages(QUERY_PAGES, fetch, "a query")]

    # --- creates --------------------------------------------------------------------------

    async def _outcomes(
        self, contacts: Sequence[ContactData], record_type: str, results: list[Any]
    ) -> list[CrmRecord | ConnectorError]:
        outcomes: list[CrmRecord | ConnectorError | None] = []
        look_again: list[int] = []
        for index, (contact, result) in enumerate(zip(contacts, results, strict=True)):
            if isinstance(result, dict) and result.get("success") and result.get("id"):
                outcomes.append(self._made(record_type, result["id"], contact))
                continue
            errors = result.get("errors") if isinstance(result, dict) else None
            error = errors[0] if isinstance(errors, list) and errors else {}
            if error.get("statusCode") == "DUPLICATES_DETECTED":
                matched = self._matched_record(error, contact)
                outcomes.append(matched)
                if matched is None:
                    look_again.append(index)
                continue
            outcomes.append(_record_error(record_type, error))
        if look_again:
            found = await self.find_by_emails([contacts[i].email for i in look_again])
            for index in look_again:
                outcomes[index] = found.get(contacts[index].email) or ValidationError(
                    "A Salesforce duplicate rule says this person already exists, but no Lead "
                    "or Contact with this email was found to link to. Check the duplicate "
                    "rules' matching criteria.",
                    code="DUPLICATES_DETECTED",
                )
        return [o for o in outcomes if o is not None]

    def _matched_record(self, error: Mapping[str, Any], contact: ContactData) -> CrmRecord | None:
        result = error.get("duplicateResult")
        matches = result.get("matchResults") if isinstance(result, dict) else None
        candidates: list[tuple[str, str]] = []
        for match in matches or []:
            for item in match.get("matchRecords") or []:
                record = item.get("record") or {}
                kind = (record.get("attributes") or {}).get("type") or match.get("entityType")
                if record.get("Id") and kind in (LEAD, CONTACT):
                    candidates.append((kind, record["Id"]))
        if not candidates:
            return None
        kind, record_id = sorted(candidates, key=lambda c: c[0] != CONTACT)[0]
        return self._made(kind, record_id, contact)

    def _made(self, record_type: str, record_id: str, contact: ContactData) -> CrmRecord:
        return CrmRecord(
            id=record_id,
            record_type=record_type,
            emails=(normalise_email(contact.email),),
            name=contact.full_name,
            url=self._record_url(record_type, record_id),
        )

    def _record(self, sobject: str, row: Mapping[str, Any]) -> CrmRecord:
        record_id = _require_id({"id": row.get("Id")}, "a query")
        email = normalise_email(str(row.get("Email") or ""))
        name = " ".join(p for p in (row.get("FirstName"), row.get("LastName")) if p)
        return CrmRecord(
            id=record_id,
            record_type=sobject,
            emails=(email,) if email else (),
            name=name,
            url=self._record_url(sobject, record_id),
        )

    def _record_url(self, sobject: str, record_id: str) -> str:
        return f"{self.instance_url}/lightning/r/{sobject}/{record_id}/view"


# --- pure helpers -----------------------------------------------------------------------------


def _find_soql(sobject: str, emails: Sequence[str]) -> str:
    values = ",".join(quote(e) for e in emails) if emails else "''"
    converted = "IsConverted = false AND " if sobject == LEAD else ""
    return (
        f"SELECT {FIND_FIELDS} FROM {sobject} WHERE {converted}Email IN ({values}) "
        "ORDER BY CreatedDate ASC"
    )


def _preferred(records: list[CrmRecord]) -> CrmRecord:
    contacts = [r for r in records if r.record_type == CONTACT]
    return (contacts or records)[0]


def _task_outcome(result: Any) -> str | ConnectorError:
    if isinstance(result, dict) and result.get("success") and result.get("id"):
        return str(result["id"])
    errors = result.get("errors") if isinstance(result, dict) else None
    return _record_error("Task", errors[0] if isinstance(errors, list) and errors else {})


def _record_error(record_type: str, error: Mapping[str, Any]) -> ConnectorError:
    code = str(error.get("statusCode") or error.get("errorCode") or "UNKNOWN")
    message = short(error.get("message")) or "no message"
    fields = [f for f in error.get("fields") or [] if isinstance(f, str)]
    where = f" (field {', '.join(fields)})" if fields else ""
    if code in TRANSIENT_CODES:
        return TransientError(f"Salesforce was busy ({code}) creating the {record_type}.")
    return ValidationError(
        f"Salesforce refused to create the {record_type}: {message}{where} [{code}].", code=code
    )


def _require_id(obj: Any, op: str) -> str:
    if isinstance(obj, dict) and isinstance(obj.get("id"), str) and obj["id"]:
        return obj["id"]
    raise SystemError_(f"Salesforce answered {op} without an id.")


def _cut(value: str | None, record_type: str, field: str) -> str | None:
    if value is None:
        return None
    text = " ".join(value.split())
    if not text:
        return None
    limit = LENGTHS.get(record_type, {}).get(field)
    return text[:limit] if limit else text


def lead_or_contact_body(contact: ContactData, record_type: str) -> dict[str, Any]:
    """The fields of a new Lead or Contact: built-in defaults, then the mapping's values."""
    first = _cut(contact.first_name, record_type, "FirstName")
    last = _cut(contact.last_name, record_type, "LastName")
    if not last:  # LastName is required: move the first name there, else the email's name
        last, first = first or contact.email.split("@", 1)[0], None
    body: dict[str, Any] = {"LastName": _cut(last, record_type, "LastName"), "Email": contact.email}
    city_field = "City" if record_type == LEAD else "MailingCity"
    optional = {
        "FirstName": first,
        "Title": _cut(contact.title, record_type, "Title"),
        "Phone": _cut(contact.phone, record_type, "Phone"),
        city_field: _cut(contact.location, record_type, city_field),
    }
    if record_type == LEAD:
        company = _cut(contact.company, LEAD, "Company")
        body["Company"] = company or COMPANY_FALLBACK
    body.update({k: v for k, v in optional.items() if v})
    for name, value in contact.crm_fields.items():
        body[name] = _cut(value, record_type, name) if isinstance(value, str) else value
    if record_type == LEAD and not body.get("Company"):
        body["Company"] = COMPANY_FALLBACK
    if not body.get("LastName"):
        body["LastName"] = contact.email.split("@", 1)[0][:80]
    return body


def task_body(who_id: str, activity: ActivityRecord) -> dict[str, Any]:
    """A completed email Task on the person, ending with the marker tag."""
    prefix = SUBJECT_PREFIX.get(activity.kind, "Email")
    if activity.kind is ActivityKind.REPLIED and activity.sentiment:
        prefix = f"{prefix} ({activity.sentiment.replace('_', ' ')})"
    subject_text = " ".join((activity.subject or "").split())
    subject = (
        f"{prefix}: {subject_text}" if subject_text else f"{prefix} ({activity.sequence_name})"
    )
    snippet = " ".join((activity.snippet or "").split())
    if len(snippet) > SNIPPET_CHARS:
        snippet = snippet[: SNIPPET_CHARS - 1] + "…"
    lines = [f"Sequence: {activity.sequence_name}"]
    if snippet:
        lines += ["", snippet]
    lines += ["", marker_tag(activity.marker)]
    occurred = activity.occurred_at
    occurred = occurred if occurred.tzinfo else occurred.replace(tzinfo=UTC)
    return {
        "WhoId": who_id,
        "Subject": subject[:255],
        "Description": "\n".join(lines)[:32_000],
        "Status": "Completed",
        "Priority": "Normal",
        "ActivityDate": occurred.astimezone(UTC).date().isoformat(),
        "TaskSubtype": "Email",
        "Type": "Email",
    }


def _field_spec(meta: Mapping[str, Any]) -> FieldSpec:
    kind = FIELD_TYPES.get(str(meta.get("type")), "string")
    picklist = tuple(
        str(v["value"])
        for v in meta.get("picklistValues") or []
        if isinstance(v, dict) and v.get("active") and v.get("value") is not None
    )
    required = bool(
        meta.get("createable") and not meta.get("nillable") and not meta.get("defaultedOnCreate")
    )
    length = meta.get("length")
    return FieldSpec(
        name=str(meta["name"]),
        label=str(meta.get("label") or meta["name"]),
        type=kind,
        required=required,
        picklist=picklist,
        max_length=int(length)
        if kind in ("string", "text", "email", "phone", "url") and length
        else None,
    )
