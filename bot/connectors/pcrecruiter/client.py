"""PCRecruiter connector: candidates, email activities, custom fields and pipeline links.

Vendor facts relied on (vendor notes section 2):

* Login is ``POST /access-token`` with ``Username, Password, DatabaseId, ApiKey, AppId`` and
  answers ``{"SessionId": ...}``; later calls send ``Authorization: BEARER <SessionId>``.
  A session dies after a period of inactivity (each call renews it), then calls get HTTP 401:
  :class:`SessionAuth` logs in again once and repeats the call; bad credentials are 401 too.
* Searches are ``GET /<resource>?Query=<expr>&Fields=&ResultsPerPage=&Page=`` (1-based) and
  answer ``{"TotalRecords": n, "Results": [...]}``; expressions use ``eq`` with quoted values
  joined by ``OR``. Bodies are bare PascalCase records.
* ``POST /candidates`` creates a candidate and answers its ``CandidateId`` (200 or 201).
* Custom fields are ``CustomFields: [{"FieldName", "Values": [...]}]`` on records; their
  definitions come from ``GET /system/Candidates/CustomFields``.
* Positions (``GET /positions``) are the jobs; a candidate is linked to one with a pipeline
  record ``POST /pipelineinterviews {JobId, CandidateId, InterviewType, InterviewStatus}``.
* Activities are ``POST/GET /candidates/{id}/activities``.

Inferred, so configurable (constructor parameters, fed from Settings):

* Single quotes inside a quoted value are doubled (``O''Brien``), the OData convention the
  query grammar follows; the email field is ``EmailAddress``.
* Activity body keys (``ActivityType``, ``Notes``, ``ActivityDate``) and the type code
  (``activity_type``, default ``EMAIL``); pipeline codes (``interview_type``/
  ``interview_status``, default ``PRESENTATION``/``LINKNAME``); open positions are
  ``Status eq 'Open'`` (``open_job_status``); new names get ``Status`` ``candidate``.
* Pipeline records can be searched with ``Query=CandidateId eq n AND JobId eq m`` to keep
  job assignment idempotent.
* Activities carry ``[crm-sync:<marker>]`` in ``Notes`` so an in-doubt write can be found.
* Error bodies carry ``Message`` (or ``message``).
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, AsyncIterator, Generator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from bot.connectors.activity_text import activity_lines, marker_tag
from bot.connectors.base import (
    ActivityRecord,
    Capability,
    ContactData,
    CrmIdentity,
    CrmJob,
    CrmRecord,
    FieldSpec,
    create_each,
)
from bot.connectors.errors import AuthError, ConfigError, ConnectorError, SystemError_
from bot.connectors.http import HttpClient, RetryPolicy, error_for_status, retry_after_seconds

__all__ = [
    "CANDIDATE",
    "CUSTOM_PREFIX",
    "PCRecruiterConnector",
    "SessionAuth",
    "activity_notes",
    "classify_response",
    "email_query",
    "quote",
]

VENDOR = "PCRecruiter"
CANDIDATE = "Candidate"
CUSTOM_PREFIX = "CustomFields."
PAGE_SIZE = 100
MAX_PAGES = 10_000
MESSAGE_CHARS = 300
FIND_FIELDS = "CandidateId,FirstName,LastName,EmailAddress"

STANDARD_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("FirstName", "First name", "string"),
    FieldSpec("LastName", "Last name", "string", required=True),
    FieldSpec("EmailAddress", "Email address", "email"),
    FieldSpec("Title", "Title", "string"),
    FieldSpec("MobilePhone", "Mobile phone", "phone"),
    FieldSpec("WorkPhone", "Work phone", "phone"),
    FieldSpec("City", "City", "string"),
    FieldSpec("State", "State", "string"),
    FieldSpec("Country", "Country", "string"),
    FieldSpec("Status", "Status", "string"),
    FieldSpec("Keywords", "Keywords", "text"),
)

FIELD_TYPES = {
    "MultiSelectCheckbox": "multipicklist",
    "DropDown": "picklist",
    "SingleSelect": "picklist",
    "Date": "date",
    "Number": "number",
    "Currency": "currency",
    "Memo": "text",
}


class SessionAuth(httpx.Auth):
    """Log in on first use, send the session as ``BEARER``, and on a 401 log in again once
    and repeat the request (the session expired from inactivity). A refused login is returned
    as the answer, so the caller sees the 401 and classifies it as bad credentials."""

    def __init__(self, login: Mapping[str, str], token_url: str):
        self._login = dict(login)
        self._token_url = token_url
        self.session_id: str | None = None
        self.logins = 0

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, Any, None]:
        raise RuntimeError("SessionAuth is async only")  # pragma: no cover

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        if self.session_id is None:
            response = yield self._token_request()
            await response.aread()
            if not self._accept(response):
                return
        request.headers["Authorization"] = f"BEARER {self.session_id}"
        response = yield request
        if response.status_code != 401:
            return
        await response.aread()
        response = yield self._token_request()
        await response.aread()
        if not self._accept(response):
            return
        request.headers["Authorization"] = f"BEARER {self.session_id}"
        yield request

    def _token_request(self) -> httpx.Request:
        self.logins += 1
        return httpx.Request("POST", self._token_url, json=self._login)

    def _accept(self, response: httpx.Response) -> bool:
        self.session_id = None
        if not response.is_success:
            return False
        try:
            session = response.json().get("SessionId")
        except (ValueError, AttributeError):
            session = None
        self.session_id = str(session) if session else None
        return self.session_id is not None


class PCRecruiterConnector:
    """One teammate's PCRecruiter login behind the Connector contract."""

    kind = "pcrecruiter"
    display_name = VENDOR
    record_types: tuple[str, ...] = (CANDIDATE,)
    capabilities = frozenset({Capability.JOBS, Capability.ACTIVITY, Capability.FIELD_MAPPING})
    find_batch_size = 20
    create_batch_size = 1

    def __init__(
        self,
        *,
        database_id: str,
        username: str,
        password: str,
        api_key: str,
        app_id: str,
        base_url: str,
        transport: httpx.AsyncBaseTransport | None = None,
        retry_wait: float | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
        activity_type: str = "EMAIL",
        interview_type: str = "PRESENTATION",
        interview_status: str = "LINKNAME",
        open_job_status: str = "Open",
        candidate_status: str = "candidate",
        email_field: str = "EmailAddress",
    ):
        if retry is None and retry_wait is not None:
            retry = RetryPolicy.capped(retry_wait)
        self.base_url = base_url.rstrip("/")
        self.database_id = database_id.strip()
        self.username = username.strip()
        self.activity_type = activity_type
        self.interview_type = interview_type
        self.interview_status = interview_status
        self.open_job_status = open_job_status
        self.candidate_status = candidate_status
        self.email_field = email_field
        login = {
            "Username": self.username,
            "Password": password,
            "DatabaseId": self.database_id,
            "ApiKey": api_key.strip(),
            "AppId": app_id.strip(),
        }
        self.auth = SessionAuth(login, f"{self.base_url}/access-token")
        self._http = HttpClient(
            vendor=VENDOR,
            base_url=self.base_url,
            auth=self.auth,
            headers={"Accept": "application/json"},
            transport=transport,
            timeout=timeout,
            retry=retry,
            secrets=(password, api_key.strip(), app_id.strip()),
            classify=classify_response,
            credential="login (Database ID, username, password, API key or App ID)",
        )

    def __repr__(self) -> str:
        return f"PCRecruiterConnector(base_url={self.base_url!r})"

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- Connector ----------------------------------------------------------------------------

    async def verify(self) -> CrmIdentity:
        await self._json("GET", "candidates", params={"ResultsPerPage": 1, "Fields": "CandidateId"})
        label = f"{self.username} on PCRecruiter database {self.database_id}"
        return CrmIdentity(label=label, account_id=self.database_id)

    async def find_by_emails(
        self, emails: Sequence[str], record_types: Sequence[str] | None = None
    ) -> dict[str, CrmRecord]:
        if record_types is not None and CANDIDATE not in record_types:
            return {}
        wanted = list(dict.fromkeys(e.strip().lower() for e in emails if e and e.strip()))
        found: dict[str, CrmRecord] = {}
        for start in range(0, len(wanted), self.find_batch_size):
            batch = wanted[start : start + self.find_batch_size]
            params = {"Query": email_query(batch, self.email_field), "Fields": FIND_FIELDS}
            async for row in self._pages("candidates", params):
                email = str(row.get("EmailAddress") or "").strip().lower()
                if email in batch and email not in found and row.get("CandidateId") is not None:
                    found[email] = _record(row)
        return found

    async def create(self, contact: ContactData, record_type: str) -> CrmRecord:
        self._check_record_type(record_type)
        body = candidate_body(contact, self.candidate_status)
        answer = await self._json("POST", "candidates", json=body, idempotent=False)
        candidate_id = answer.get("CandidateId") if isinstance(answer, dict) else None
        if candidate_id is None:
            raise SystemError_("PCRecruiter answered the candidate create without a CandidateId.")
        return CrmRecord(str(candidate_id), CANDIDATE, (contact.email,), contact.full_name)

    async def create_many(
        self, contacts: Sequence[ContactData], record_type: str
    ) -> list[CrmRecord | ConnectorError]:
        return await create_each(self, contacts, record_type)

    async def assign_to_job(self, record: CrmRecord, job_id: str) -> None:
        if job_id in record.job_ids or await self._on_job(record.id, job_id):
            return
        body = {
            "JobId": _int(job_id),
            "CandidateId": _int(record.id),
            "InterviewType": self.interview_type,
            "InterviewStatus": self.interview_status,
        }
        await self._json("POST", "pipelineinterviews", json=body, idempotent=False)

    async def log_activity(self, record: CrmRecord, activity: ActivityRecord) -> str:
        body = {
            "ActivityType": self.activity_type,
            "Notes": activity_notes(activity),
            "ActivityDate": pcr_time(activity.occurred_at),
        }
        path = f"candidates/{record.id}/activities"
        answer = await self._json("POST", path, json=body, idempotent=False)
        activity_id = answer.get("ActivityId") if isinstance(answer, dict) else None
        if activity_id is None:
            raise SystemError_("PCRecruiter answered the activity create without an ActivityId.")
        return str(activity_id)

    async def activity_exists(self, record: CrmRecord, marker: str) -> bool:
        tag = marker_tag(marker)
        async for row in self._pages(f"candidates/{record.id}/activities", {}):
            if tag in str(row.get("Notes") or ""):
                return True
        return False

    async def list_jobs(self, query: str = "") -> list[CrmJob]:
        needle = query.strip().casefold()
        params = {
            "Query": f"Status eq {quote(self.open_job_status)}",
            "Fields": "JobId,JobTitle,Status",
        }
        jobs = []
        async for row in self._pages("positions", params):
            title = str(row.get("JobTitle") or "")
            if row.get("JobId") is not None and needle in title.casefold():
                jobs.append(CrmJob(str(row["JobId"]), title, "Open"))
        return sorted(jobs, key=lambda j: j.title.casefold())

    async def describe_fields(self, record_type: str) -> list[FieldSpec]:
        self._check_record_type(record_type)
        fields = list(STANDARD_FIELDS)
        async for custom in self._pages("system/Candidates/CustomFields", {}):
            name = str(custom.get("FieldName") or "")
            if not name:
                continue
            choices = tuple(str(v.get("Name")) for v in custom.get("DefaultValues") or [])
            kind = FIELD_TYPES.get(str(custom.get("FieldAction")), "string")
            if choices and kind == "string":
                kind = "picklist"
            fields.append(FieldSpec(f"{CUSTOM_PREFIX}{name}", name, kind, picklist=choices))
        return fields

    # --- helpers ------------------------------------------------------------------------------

    def _check_record_type(self, record_type: str) -> None:
        if record_type not in self.record_types:
            raise ConfigError(f"PCRecruiter records people as Candidates only, not {record_type}.")

    async def _json(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        idempotent: bool = True,
    ) -> Any:
        op = re.sub(r"/\d+(?=/|$)", "/{id}", path)
        response = await self._http.request(
            method, path, op=op, json=json, params=params, idempotent=idempotent
        )
        try:
            return response.json()
        except ValueError:
            raise SystemError_(f"PCRecruiter answered {op} with something not JSON.") from None

    async def _pages(self, path: str, params: Mapping[str, Any]) -> AsyncIterator[dict[str, Any]]:
        seen = 0
        for page in range(1, MAX_PAGES):
            answer = await self._json(
                "GET", path, params={**params, "ResultsPerPage": PAGE_SIZE, "Page": page}
            )
            if not isinstance(answer, dict) or not isinstance(answer.get("Results"), list):
                raise SystemError_("PCRecruiter answered a search without Results.")
            rows = [r for r in answer["Results"] if isinstance(r, dict)]
            for row in rows:
                yield row
            seen += len(rows)
            total = answer.get("TotalRecords")
            if not rows or (isinstance(total, int) and seen >= total):
                return
        raise SystemError_(f"PCRecruiter returned too many pages for {path}.")

    async def _on_job(self, candidate_id: str, job_id: str) -> bool:
        query = f"CandidateId eq {_int(candidate_id)} AND JobId eq {_int(job_id)}"
        async for _ in self._pages("pipelineinterviews", {"Query": query}):
            return True
        return False


# --- pure helpers -----------------------------------------------------------------------------


def quote(value: str) -> str:
    """A quoted query value; an embedded single quote is doubled."""
    return "'" + value.replace("'", "''") + "'"


def email_query(emails: Sequence[str], field: str = "EmailAddress") -> str:
    return " OR ".join(f"{field} eq {quote(e)}" for e in emails)


def candidate_body(contact: ContactData, status: str) -> dict[str, Any]:
    """The create body; mapped ``crm_fields`` win, ``CustomFields.<name>`` keys become
    custom field values."""
    body: dict[str, Any] = {
        "FirstName": contact.first_name or "",
        "LastName": contact.last_name or contact.full_name,
        "EmailAddress": contact.email,
        "Status": status,
    }
    optional = {
        "Title": contact.title,
        "MobilePhone": contact.phone,
        "City": contact.location,
    }
    body.update({k: v for k, v in optional.items() if v})
    custom = []
    for name, value in contact.crm_fields.items():
        if name.startswith(CUSTOM_PREFIX):
            values = value if isinstance(value, list) else [value]
            custom.append({"FieldName": name.removeprefix(CUSTOM_PREFIX), "Values": values})
        else:
            body[name] = value
    if custom:
        body["CustomFields"] = custom
    return body


def activity_notes(activity: ActivityRecord) -> str:
    return "\n".join(activity_lines(activity))


def pcr_time(moment: datetime) -> str:
    """PCRecruiter's zone-less ISO timestamps, in UTC."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def classify_response(response: httpx.Response, op: str) -> ConnectorError | None:
    if response.is_success:
        return None
    message = _message(response)
    status = response.status_code
    if _is_login(response) and 400 <= status < 500 and status != 429:
        said = f" PCRecruiter said: {message}" if message else ""
        return AuthError(
            f"PCRecruiter refused the login (HTTP {status}). Check the Database ID, username, "
            f"password, API key and App ID, then reconnect.{said}",
            status=status,
        )
    return error_for_status(
        VENDOR,
        response.status_code,
        op=op,
        detail=message,
        retry_after=retry_after_seconds(response),
        credential="login (Database ID, username, password, API key or App ID)",
    )


def _is_login(response: httpx.Response) -> bool:
    try:
        return response.request.url.path.rstrip("/").lower().endswith("/access-token")
    except RuntimeError:  # a response built without a request
        return False


def _message(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    text = body.get("Message") or body.get("message")
    return " ".join(str(text).split())[:MESSAGE_CHARS] if text else None


def _record(row: Mapping[str, Any]) -> CrmRecord:
    name = " ".join(str(row.get(k) or "") for k in ("FirstName", "LastName")).strip()
    email = str(row.get("EmailAddress") or "").strip().lower()
    return CrmRecord(str(row["CandidateId"]), CANDIDATE, (email,) if email else (), name)


def _int(value: str) -> int | str:
    try:
        return int(value)
    except (TypeError, ValueError):
        return value
