"""PCRecruiter connector: candidates, email activities, custom fields and pipeline links.

Vendor facts relied on (vendor notes section 2):

* Login is ``POST /access-token`` with ``Username, Password, DatabaseId, ApiKey, AppId`` and
  answers ``{"SessionId": ...}``; later calls send ``Authorization: BEARER <SessionId>``.
  A session dies after a period of inactivity (each call renews it), then calls get HTTP 401:
  :class:`SessionAuth` logs in again once and repeats the call; bad credentials are 401 too.
* Searches are ``GET /<resource>?Query=<expr>&Fields=&ResultsPerPage=&Page=`` (1-based) and
  answer ``{"TotalRecords": n, "Results": [...]}``; expressions use ``eq`` with quoted values
  joined by ``OR``. Bodies are bare PascalCase records. The largest page size is not
  documented, so only an empty page or ``TotalRecords`` ends a listing, never a short page.
* ``POST /candidates`` creates a candidate and answers its ``CandidateId`` (200 or 201).
* Custom fields are ``CustomFields: [{"FieldName", "Values": [...]}]`` on records; their
  definitions come from ``GET /system/Candidates/CustomFields``.
* Positions (``GET /positions``) are the jobs; a candidate is linked to one with a pipeline
  record ``POST /pipelineinterviews {JobId, CandidateId, InterviewType, InterviewStatus}``.
* Activities are ``POST/GET /candidates/{id}/activities``.

Inferred, so configurable (:class:`PCRecruiterOptions`, fed from Settings):

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
from dataclasses import dataclass
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
)
from bot.connectors.error_map import CLIENT_ERROR, ErrorRule, ErrorTable, Failure
from bot.connectors.errors import AuthError, SystemError_
from bot.connectors.http import RetryPolicy
from bot.connectors.paging import PageNumber, PageRequest
from bot.connectors.skeleton import (
    HttpConnector,
    ServiceOptions,
    matching_jobs,
    normalise_email,
    unique_emails,
)

__all__ = [
    "CANDIDATE",
    "CUSTOM_PREFIX",
    "ERRORS",
    "PCRecruiterConnector",
    "PCRecruiterOptions",
    "SessionAuth",
    "activity_notes",
    "email_query",
    "quote",
]

VENDOR = "PCRecruiter"
CANDIDATE = "Candidate"
CUSTOM_PREFIX = "CustomFields."
PAGES = PageNumber(
    page_param="Page",
    size_param="ResultsPerPage",
    size=100,
    total_at=("TotalRecords",),
    short_page_ends=False,
    records_key="Results",
)
CREDENTIAL = "login (Database ID, username, password, API key or App ID)"
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


def _message(body: Any) -> tuple[None, str | None]:
    """PCRecruiter has no error codes: error bodies carry ``Message`` (or ``message``)."""
    text = (body.get("Message") or body.get("message")) if isinstance(body, dict) else None
    return None, str(text) if text else None


def _is_login(failure: Failure) -> bool:
    try:
        path = failure.response.request.url.path if failure.response else ""
    except RuntimeError:  # a response built without a request
        return False
    return path.rstrip("/").lower().endswith("/access-token") and failure.status != 429


ERRORS = ErrorTable(
    vendor=VENDOR,
    credential=CREDENTIAL,
    read=_message,
    rules=(
        ErrorRule(
            AuthError,
            "PCRecruiter refused the login (HTTP {status}). Check the Database ID, username, "
            "password, API key and App ID, then reconnect.{said}",
            status=CLIENT_ERROR,
            when=_is_login,
        ),
    ),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class PCRecruiterOptions(ServiceOptions):
    """The API address and the codes this PCRecruiter database uses (inferred, see above)."""

    base_url: str = "https://www.pcrecruiter.net/rest/api"
    activity_type: str = "EMAIL"
    interview_type: str = "PRESENTATION"
    interview_status: str = "LINKNAME"
    open_job_status: str = "Open"
    candidate_status: str = "candidate"
    email_field: str = "EmailAddress"


class PCRecruiterConnector(HttpConnector):
    """One teammate's PCRecruiter login behind the Connector contract."""

    kind = "pcrecruiter"
    display_name = VENDOR
    record_types = (CANDIDATE,)
    capabilities = frozenset({Capability.JOBS, Capability.ACTIVITY, Capability.FIELD_MAPPING})
    find_batch_size = 20
    options_type = PCRecruiterOptions
    errors = ERRORS

    def __init__(
        self,
        *,
        database_id: str,
        username: str,
        password: str,
        api_key: str,
        app_id: str,
        options: PCRecruiterOptions | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy | None = None,
        **overrides: Any,
    ):
        self.options: PCRecruiterOptions = self.configure(options, overrides)
        self.database_id = database_id.strip()
        self.username = username.strip()
        login = {
            "Username": self.username,
            "Password": password,
            "DatabaseId": self.database_id,
            "ApiKey": api_key.strip(),
            "AppId": app_id.strip(),
        }
        base_url = self.options.base_url.rstrip("/")
        self.auth = SessionAuth(login, f"{base_url}/access-token")
        super().__init__(
            base_url=base_url,
            options=self.options,
            transport=transport,
            retry=retry,
            auth=self.auth,
            secrets=(password, api_key.strip(), app_id.strip()),
        )

    # --- Connector ----------------------------------------------------------------------------

    async def verify(self) -> CrmIdentity:
        await self._json("GET", "candidates", params={"ResultsPerPage": 1, "Fields": "CandidateId"})
        label = f"{self.username} on PCRecruiter database {self.database_id}"
        return CrmIdentity(label=label, account_id=self.database_id)

    async def find_by_emails(
        self, emails: Sequence[str], record_types: Sequence[str] | None = None
    ) -> dict[str, CrmRecord]:
        if not self.searched_types(record_types):
            return {}
        wanted = unique_emails(emails)
        found: dict[str, CrmRecord] = {}
        for start in range(0, len(wanted), self.find_batch_size):
            batch = wanted[start : start + self.find_batch_size]
            params = {"Query": email_query(batch, self.options.email_field), "Fields": FIND_FIELDS}
            async for row in self._pages("candidates", params):
                email = normalise_email(str(row.get("EmailAddress") or ""))
                if email in batch and email not in found and row.get("CandidateId") is not None:
                    found[email] = _record(row)
        return found

    async def create(self, contact: ContactData, record_type: str) -> CrmRecord:
        self.check_record_type(record_type)
        body = candidate_body(contact, self.options.candidate_status)
        answer = await self._json("POST", "candidates", json=body, idempotent=False)
        candidate_id = answer.get("CandidateId") if isinstance(answer, dict) else None
        if candidate_id is None:
            raise SystemError_("PCRecruiter answered the candidate create without a CandidateId.")
        return CrmRecord(str(candidate_id), CANDIDATE, (contact.email,), contact.full_name)

    async def assign_to_job(self, record: CrmRecord, job_id: str) -> None:
        if job_id in record.job_ids or await self._on_job(record.id, job_id):
            return
        body = {
            "JobId": _int(job_id),
            "CandidateId": _int(record.id),
            "InterviewType": self.options.interview_type,
            "InterviewStatus": self.options.interview_status,
        }
        await self._json("POST", "pipelineinterviews", json=body, idempotent=False)

    async def log_activity(self, record: CrmRecord, activity: ActivityRecord) -> str:
        body = {
            "ActivityType": self.options.activity_type,
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
        params = {
            "Query": f"Status eq {quote(self.options.open_job_status)}",
            "Fields": "JobId,JobTitle,Status",
        }
        jobs = [
            CrmJob(str(row["JobId"]), str(row.get("JobTitle") or ""), "Open")
            async for row in self._pages("positions", params)
            if row.get("JobId") is not None
        ]
        return matching_jobs(jobs, query)

    async def describe_fields(self, record_type: str) -> list[FieldSpec]:
        self.check_record_type(record_type)
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

    async def _json(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        idempotent: bool = True,
    ) -> Any:
        return await self.request_json(
            method, path, op=_op(path), json=json, params=params, idempotent=idempotent
        )

    def _pages(self, path: str, params: Mapping[str, Any]) -> AsyncIterator[dict[str, Any]]:
        async def fetch(page: PageRequest) -> Any:
            return await self._json("GET", path, params={**params, **page.fields})

        return self.pages(PAGES, fetch, _op(path))

    async def _on_job(self, candidate_id: str, job_id: str) -> bool:
        query = f"CandidateId eq {_int(candidate_id)} AND JobId eq {_int(job_id)}"
        async for _ in self._pages("pipelineinterviews", {"Query": query}):
            return True
        return False


# --- pure helpers -----------------------------------------------------------------------------


def _op(path: str) -> str:
    """The path with record ids masked, to name the call in logs and messages."""
    return re.sub(r"/\d+(?=/|$)", "/{id}", path)


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


def _record(row: Mapping[str, Any]) -> CrmRecord:
    name = " ".join(str(row.get(k) or "") for k in ("FirstName", "LastName")).strip()
    email = normalise_email(str(row.get("EmailAddress") or ""))
    return CrmRecord(str(row["CandidateId"]), CANDIDATE, (email,) if email else (), name)


def _int(value: str) -> int | str:
    try:
        return int(value)
    except (TypeError, ValueError):
        return value
