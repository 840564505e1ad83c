"""The records of an emulated Ashby organisation and the seeding helpers tests use.

Tests seed an :class:`AshbyState` (``add_api_key``, ``add_job``, ``add_candidate``...), read
it back (``candidates``, ``applications_for``, ``notes_for``) and use the kernel hooks it
inherits (``calls``, ``log``, ``inject_fault``, ``latency``, ``limits``, ``clock``).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sandbox.ashby.rules import (
    ApiError,
    decode_cursor,
    decode_sync_token,
    encode,
    iso,
    page_limit,
)
from sandbox.kernel import Clock, State

__all__ = ["ALL_PERMISSIONS", "ApiKey", "AshbyState", "Candidate", "CustomField", "Job", "Note"]

ALL_PERMISSIONS = frozenset(
    {
        "candidatesRead",
        "candidatesWrite",
        "jobsRead",
        "hiringProcessMetadataRead",
        "hiringProcessMetadataWrite",
        "organizationRead",
        "interviewsRead",
        "offersRead",
        "apiKeysRead",
        "apiKeysWrite",
        "reportsRead",
        "approvalsWrite",
    }
)
SEARCH_CAP = 100
JOB_STATUSES = ("Draft", "Open", "Closed", "Archived")
DEFAULT_JOB_STATUSES = ("Open", "Closed", "Archived")
FIELD_TYPES = (
    "MultiValueSelect",
    "NumberRange",
    "String",
    "Date",
    "ValueSelect",
    "Number",
    "Currency",
    "Boolean",
    "LongText",
    "CompensationRange",
)
OBJECT_TYPES = ("Application", "Candidate", "Employee", "Job", "Offer", "Opening", "Talent_Project")
NOTE_HTML_TAGS = frozenset({"b", "i", "u", "a", "ul", "ol", "li", "code", "pre"})

# --- records --------------------------------------------------------------------------------


@dataclass
class ApiKey:
    key: str
    title: str
    permissions: frozenset[str]
    enabled: bool
    created_at: datetime

    def __repr__(self) -> str:
        return f"ApiKey(title={self.title!r}, enabled={self.enabled})"

    @property
    def scopes(self) -> list[str]:
        """``candidatesRead`` → ``candidates:read``, as apiKey.info reports them."""
        out = []
        for permission in sorted(self.permissions):
            match = re.fullmatch(r"([a-zA-Z]+?)(Read|Write)", permission)
            if match:
                out.append(f"{match[1]}:{match[2].lower()}")
        return out


@dataclass
class Candidate:
    id: str
    name: str
    emails: list[dict[str, Any]]
    created_at: datetime
    updated_at: datetime
    version: int
    phones: list[dict[str, Any]] = field(default_factory=list)
    social_links: list[dict[str, str]] = field(default_factory=list)
    location: dict[str, str] | None = None
    application_ids: list[str] = field(default_factory=list)
    position: str | None = None
    company: str | None = None
    # field id -> the value object customField.setValue returns (id, title, value, ...)
    custom_values: dict[str, dict[str, Any]] = field(default_factory=dict)

    def email_values(self) -> list[str]:
        return [e["value"] for e in self.emails]

    def to_api(self, profile_base_url: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "createdAt": iso(self.created_at),
            "updatedAt": iso(self.updated_at),
            "name": self.name,
            "emailAddresses": [dict(e) for e in self.emails],
            "phoneNumbers": [dict(p) for p in self.phones],
            "socialLinks": [dict(s) for s in self.social_links],
            "tags": [],
            "applicationIds": list(self.application_ids),
            "fileHandles": [],
            "customFields": [dict(v) for v in self.custom_values.values()],
            "profileUrl": f"{profile_base_url}/candidates/{self.id}",
        }
        primary_email = next((e for e in self.emails if e["isPrimary"]), None)
        if primary_email:
            out["primaryEmailAddress"] = dict(primary_email)
        primary_phone = next((p for p in self.phones if p["isPrimary"]), None)
        if primary_phone:
            out["primaryPhoneNumber"] = dict(primary_phone)
        if self.position:
            out["position"] = self.position
        if self.company:
            out["company"] = self.company
        if self.location:
            out["location"] = _location_to_api(self.location)
        return out


@dataclass
class Job:
    id: str
    title: str
    status: str
    created_at: datetime
    updated_at: datetime
    version: int
    requisition_id: str | None = None
    confidential: bool = False
    employment_type: str = "FullTime"

    def to_api(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "confidential": self.confidential,
            "status": self.status,
            "employmentType": self.employment_type,
            "interviewPlanIds": [],
            "customFields": [],
            "jobPostingIds": [],
            "hiringTeam": [],
            "createdAt": iso(self.created_at),
            "updatedAt": iso(self.updated_at),
        }
        if self.requisition_id:
            out["customRequisitionId"] = self.requisition_id
        return out


@dataclass
class Application:
    id: str
    candidate_id: str
    job_id: str
    created_at: datetime
    updated_at: datetime
    version: int
    status: str = "Lead"


@dataclass
class Note:
    id: str
    candidate_id: str
    content: str
    is_private: bool
    created_at: datetime
    version: int
    author: dict[str, str]

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "createdAt": iso(self.created_at),
            "isPrivate": self.is_private,
            "content": self.content,
            "author": dict(self.author),
        }


@dataclass
class CustomField:
    id: str
    title: str
    object_type: str
    field_type: str
    version: int
    selectable_values: list[dict[str, Any]] = field(default_factory=list)
    is_archived: bool = False
    is_private: bool = False

    def to_api(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "isPrivate": self.is_private,
            "title": self.title,
            "objectType": self.object_type,
            "isArchived": self.is_archived,
            "fieldType": self.field_type,
        }
        if self.field_type in ("ValueSelect", "MultiValueSelect"):
            out["selectableValues"] = [dict(v) for v in self.selectable_values]
        return out


def _location_to_api(location: Mapping[str, str]) -> dict[str, Any]:
    parts = [("Country", "country"), ("Region", "region"), ("City", "city")]
    components = [{"type": t, "name": location[k]} for t, k in parts if location.get(k)]
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, repr(sorted(location.items())))),
        "locationSummary": ", ".join(c["name"] for c in components),
        "locationComponents": components,
    }


# --- state ----------------------------------------------------------------------------------


class AshbyState(State):
    """Everything the emulated Ashby organisation holds (kernel hooks: see ``State``)."""

    def __init__(
        self,
        *,
        profile_base_url: str = "https://app.ashbyhq.com",
        clock: Clock | None = None,
        seed: int | None = None,
    ):
        super().__init__(clock=clock, seed=seed)
        self.profile_base_url = profile_base_url.rstrip("/")
        self.api_keys: dict[str, ApiKey] = {}
        self.candidates: dict[str, Candidate] = {}
        self.jobs: dict[str, Job] = {}
        self.applications: dict[str, Application] = {}
        self.notes: dict[str, Note] = {}
        self.custom_fields: dict[str, CustomField] = {}
        self.api_user = {
            "id": self.ids.uuid(),
            "firstName": "Ashby",
            "lastName": "API",
            "email": "api@example.com",
        }
        self._version = 0

    # seeding -------------------------------------------------------------------------------

    def add_api_key(
        self,
        key: str,
        *,
        permissions: Iterable[str] = ALL_PERMISSIONS,
        title: str = "CRM Sync Bot",
        enabled: bool = True,
    ) -> ApiKey:
        api_key = ApiKey(key, title, frozenset(permissions), enabled, self.clock.now())
        self.api_keys[key] = api_key
        return api_key

    def disable_api_key(self, key: str) -> None:
        self.api_keys[key].enabled = False

    def add_job(
        self, title: str, status: str = "Open", *, requisition_id: str | None = None
    ) -> Job:
        if status not in JOB_STATUSES:
            raise ValueError(f"job status must be one of {JOB_STATUSES}")
        now = self.clock.now()
        job = Job(self.ids.uuid(), title, status, now, now, self.bump(), requisition_id)
        self.jobs[job.id] = job
        return job

    def set_job_status(self, job_id: str, status: str) -> None:
        job = self.jobs[job_id]
        job.status, job.updated_at, job.version = status, self.clock.now(), self.bump()

    def add_candidate(
        self,
        name: str,
        email: str | None = None,
        *,
        alternate_emails: Sequence[str] = (),
        phone: str | None = None,
        linkedin_url: str | None = None,
        location: Mapping[str, str] | None = None,
        position: str | None = None,
        company: str | None = None,
        created_at: datetime | None = None,
        updated_at: datetime | None = None,
    ) -> Candidate:
        now = self.clock.now()
        emails = [_contact(email, "Personal", True)] if email else []
        emails += [
            _contact(e, "Other", not emails and i == 0) for i, e in enumerate(alternate_emails)
        ]
        candidate = Candidate(
            id=self.ids.uuid(),
            name=name,
            emails=emails,
            created_at=created_at or now,
            updated_at=updated_at or created_at or now,
            version=self.bump(),
            phones=[_contact(phone, "Personal", True)] if phone else [],
            social_links=[{"type": "LinkedIn", "url": linkedin_url}] if linkedin_url else [],
            location=dict(location) if location else None,
            position=position,
            company=company,
        )
        self.candidates[candidate.id] = candidate
        return candidate

    def add_custom_field(
        self,
        title: str,
        field_type: str = "String",
        *,
        object_type: str = "Candidate",
        selectable_values: Sequence[str] = (),
        is_archived: bool = False,
        is_private: bool = False,
    ) -> CustomField:
        if field_type not in FIELD_TYPES or object_type not in OBJECT_TYPES:
            raise ValueError("unknown field or object type")
        values = [{"label": v, "value": v, "isArchived": False} for v in selectable_values]
        custom = CustomField(
            self.ids.uuid(),
            title,
            object_type,
            field_type,
            self.bump(),
            values,
            is_archived,
            is_private,
        )
        self.custom_fields[custom.id] = custom
        return custom

    def add_note(
        self, candidate_id: str, content: str, *, created_at: datetime | None = None
    ) -> Note:
        note = Note(
            self.ids.uuid(),
            self.candidates[candidate_id].id,
            content,
            False,
            created_at or self.clock.now(),
            self.bump(),
            self.api_user,
        )
        self.notes[note.id] = note
        return note

    def merge_candidates(self, keep_id: str, remove_id: str) -> None:
        """What a recruiter's merge in the UI does: the removed id disappears."""
        keep, gone = self.candidates[keep_id], self.candidates.pop(remove_id)
        known = {v.lower() for v in keep.email_values()}
        keep.emails += [
            {**e, "isPrimary": False} for e in gone.emails if e["value"].lower() not in known
        ]
        keep.application_ids += gone.application_ids
        for app in self.applications.values():
            if app.candidate_id == remove_id:
                app.candidate_id = keep_id
        for note in self.notes.values():
            if note.candidate_id == remove_id:
                note.candidate_id = keep_id
        self.touch(keep)

    # inspection ----------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        return {
            "candidates": [self.render_candidate(c) for c in self.candidates.values()],
            "jobs": [j.to_api() for j in self.jobs.values()],
            "applications": [self.render_application(a) for a in self.applications.values()],
            "notes": [{**n.to_api(), "candidateId": n.candidate_id} for n in self.notes.values()],
            "customFields": [f.to_api() for f in self.custom_fields.values()],
        }

    def applications_for(self, candidate_id: str) -> list[Application]:
        return [a for a in self.applications.values() if a.candidate_id == candidate_id]

    def notes_for(self, candidate_id: str) -> list[Note]:
        return [n for n in self.notes.values() if n.candidate_id == candidate_id]

    # shared with the endpoints ---------------------------------------------------------------

    def bump(self) -> int:
        self._version += 1
        return self._version

    def touch(self, candidate: Candidate) -> None:
        candidate.updated_at, candidate.version = self.clock.now(), self.bump()

    def candidate(self, candidate_id: Any) -> Candidate:
        candidate = self.candidates.get(candidate_id)
        if candidate is None:
            raise ApiError("candidate_not_found", "No candidate exists with the given id")
        return candidate

    def job(self, job_id: Any) -> Job:
        job = self.jobs.get(job_id)
        if job is None:
            raise ApiError("job_not_found", "No job exists with the given id")
        return job

    def render_candidate(self, candidate: Candidate) -> dict[str, Any]:
        return candidate.to_api(self.profile_base_url)

    def render_application(self, app: Application) -> dict[str, Any]:
        candidate = self.candidates.get(app.candidate_id)
        job = self.jobs[app.job_id]
        brief = self.render_candidate(candidate) if candidate else {}
        return {
            "id": app.id,
            "createdAt": iso(app.created_at),
            "updatedAt": iso(app.updated_at),
            "status": app.status,
            "customFields": [],
            "candidate": {
                "id": app.candidate_id,
                "name": brief.get("name", ""),
                "primaryEmailAddress": brief.get("primaryEmailAddress"),
                "primaryPhoneNumber": brief.get("primaryPhoneNumber"),
            },
            "currentInterviewStage": {
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"stage:{job.id}")),
                "title": "Lead",
                "type": "Lead",
                "orderInInterviewPlan": 0,
                "interviewStageGroupId": str(uuid.uuid5(uuid.NAMESPACE_URL, "group:lead")),
                "interviewPlanId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"plan:{job.id}")),
            },
            "job": {"id": job.id, "title": job.title, "locationId": None, "departmentId": None},
            "hiringTeam": [],
        }

    def page(
        self,
        method: str,
        items: Sequence[Any],
        body: Mapping[str, Any],
        render: Callable[[Any], dict[str, Any]],
    ) -> dict[str, Any]:
        """Cursor paging with changed-since sync tokens, as in Ashby's paging guide."""
        limit = page_limit(body)
        offset, since = 0, None
        if body.get("cursor"):
            offset, since = decode_cursor(body["cursor"], method)
        elif body.get("syncToken"):
            since = decode_sync_token(body["syncToken"])
        if since is not None:
            items = [item for item in items if item.version > since]
        page = items[offset : offset + limit]
        more = offset + limit < len(items)
        out: dict[str, Any] = {"results": [render(i) for i in page], "moreDataAvailable": more}
        if more:
            out["nextCursor"] = encode({"m": method, "o": offset + limit, "s": since})
        else:
            out["syncToken"] = encode({"v": self._version})
        return out


def _contact(value: str, kind: str, primary: bool) -> dict[str, Any]:
    return {"value": value, "type": kind, "isPrimary": primary}
