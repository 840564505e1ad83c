"""What the connector conformance suite needs from each CRM: its emulator, seeded and
observed through one small interface, so one suite checks every connector the same way.

:class:`Harness` does what is the same for every CRM on the emulator kernel: the seeded
emulator (``tests.support.emulators``), a connector built through the registry, and the
rate-limit and outage faults. A CRM joins the suite with a subclass here that says how to
seed and observe its records and how it refuses a key or a record, listed in ``HARNESSES``.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import pytest
from cryptography.fernet import Fernet

from bot.connectors.base import Connector
from bot.connectors.registry import build_connector
from bot.settings import Settings
from sandbox.kernel import Transport
from tests.support.emulators import SALESFORCE_CLIENT_SECRET, SEEDS

Fault = Literal["auth", "rate_limit", "transient", "validation"]
# Crelate's RecordType bits (1 and 2 from its API notes; 4 and 8 are the connector's defaults).
CRELATE_RECORD_TYPES = {1: "Candidate", 2: "Sales/Client Contact", 4: "Lead Contact", 8: "Employee"}


class Harness:
    kind: ClassVar[str]
    # A record type the connector creates people as.
    person_type: ClassVar[str] = "Candidate"
    # Credential fields that must never appear in an error message or a log line.
    secret_fields: ClassVar[tuple[str, ...]] = ("api_key",)
    # The status of the CRM's usual outage answer.
    outage_status: ClassVar[int] = 503

    def __init__(self, state: Any = None) -> None:
        """``state``: an emulator already seeded by ``SEEDS`` (a scenario's); a new one by
        default."""
        seed = SEEDS[self.kind]
        self.state: Any = seed.new() if state is None else state
        self.credentials = seed.credentials(self.state)
        self._transport = seed.transport(self.state)
        self.settings = Settings(
            _env_file=None,
            encryption_keys=Fernet.generate_key().decode(),
            crm_retry_wait_seconds=0,
            **seed.settings(),
        )

    def transport(self) -> Transport:
        return self._transport

    def connector(self, *, valid: bool = True) -> Connector:
        """Built through the registry with zero retry waits, so faults surface fast;
        ``valid=False`` uses credentials the emulator rejects."""
        credentials = dict(self.credentials)
        if not valid:
            credentials[self.secret_fields[0]] = "not-a-real-secret"
        return build_connector(self.kind, credentials, self.settings, self._transport)

    def secrets(self) -> list[str]:
        return [self.credentials[field] for field in self.secret_fields]

    def inject(self, fault: Fault, *, retry_after: float | None = None) -> None:
        """Make the next API calls fail this way (``validation``: the next create)."""
        if fault == "auth":
            self.revoke()
        elif fault == "rate_limit":
            self.state.inject_fault(status=429, retry_after=retry_after, times=None)
        elif fault == "transient":
            self.state.inject_fault(status=self.outage_status, times=None)
        else:
            self.refuse_next_create()

    # what differs per CRM ---------------------------------------------------------------

    def seed_person(self, email: str, first: str, last: str) -> str:
        """A person already in the CRM with this email; returns its id."""
        raise NotImplementedError

    def seed_job(self, title: str) -> str:
        """An open job; returns its id."""
        raise NotImplementedError

    def people_with_email(self, email: str) -> list[str]:
        """Ids of every person record (any type) holding this email."""
        raise NotImplementedError

    def jobs_of(self, person_id: str) -> list[str]:
        """Ids of the jobs the person is on."""
        raise NotImplementedError

    def activities_of(self, person_id: str) -> list[str]:
        """The text of each activity/note/task written on the person."""
        raise NotImplementedError

    def record_type_of(self, person_id: str) -> str:
        """The person's record type, named as the product names it (e.g. "Lead")."""
        return self.person_type

    def record_of(self, person_id: str) -> Any:
        """The person's record as the emulator keeps it (for reading fields back)."""
        raise NotImplementedError

    def revoke(self) -> None:
        """Make the connector's credentials stop working."""
        raise NotImplementedError

    def refuse_next_create(self) -> None:
        """Make the CRM refuse the next person created, as invalid."""
        raise NotImplementedError


class AshbyHarness(Harness):
    kind = "ashby"

    def seed_person(self, email: str, first: str, last: str) -> str:
        return self.state.add_candidate(f"{first} {last}", email).id

    def seed_job(self, title: str) -> str:
        return self.state.add_job(title).id

    def people_with_email(self, email: str) -> list[str]:
        return [
            c.id
            for c in self.state.candidates.values()
            if email.lower() in (e.lower() for e in c.email_values())
        ]

    def jobs_of(self, person_id: str) -> list[str]:
        return [a.job_id for a in self.state.applications_for(person_id)]

    def activities_of(self, person_id: str) -> list[str]:
        return [n.content for n in self.state.notes_for(person_id)]

    def record_of(self, person_id: str) -> Any:
        return self.state.candidates[person_id]

    def revoke(self) -> None:
        self.state.disable_api_key(self.credentials["api_key"])

    def refuse_next_create(self) -> None:
        self.state.inject_fault("candidate.create", status=400, code="invalid_input")


class SalesforceHarness(Harness):
    kind = "salesforce"
    person_type = "Lead"
    secret_fields = ("refresh_token",)

    def secrets(self) -> list[str]:
        return [*super().secrets(), SALESFORCE_CLIENT_SECRET, *self.state.oauth.access_tokens]

    def seed_person(self, email: str, first: str, last: str) -> str:
        return self.state.add_lead(email, last, "Acme", first_name=first)

    def seed_job(self, title: str) -> str:
        pytest.skip("Salesforce has no jobs (the connector lacks the JOBS capability)")

    def people_with_email(self, email: str) -> list[str]:
        return [record_id for _, record_id in self.state.people_with_email(email)]

    def jobs_of(self, person_id: str) -> list[str]:
        return []

    def activities_of(self, person_id: str) -> list[str]:
        return [str(t.get("Description") or "") for t in self.state.tasks_for(person_id)]

    def record_type_of(self, person_id: str) -> str:
        return next(kind for kind, rows in self.state.records.items() if person_id in rows)

    def record_of(self, person_id: str) -> Any:
        return self.state.records[self.record_type_of(person_id)][person_id]

    def revoke(self) -> None:
        self.state.oauth.revoke_refresh_token(self.credentials["refresh_token"])

    def refuse_next_create(self) -> None:
        self.state.inject_record_error("FIELD_CUSTOM_VALIDATION_EXCEPTION", "Not allowed")


class CrelateHarness(Harness):
    kind = "crelate"

    def seed_person(self, email: str, first: str, last: str) -> str:
        owner = self.state.users[self.credentials["api_key"]]
        return self.state.add_contact(first, last, email, owner=owner)["Id"]

    def seed_job(self, title: str) -> str:
        return self.state.add_job(title)["Id"]

    def people_with_email(self, email: str) -> list[str]:
        return [c["Id"] for c in self.state.contacts_with_email(email)]

    def jobs_of(self, person_id: str) -> list[str]:
        return self.state.jobs_of(person_id)

    def activities_of(self, person_id: str) -> list[str]:
        return [str(a.get("Display")) for a in self.state.activities_of(person_id)]

    def record_type_of(self, person_id: str) -> str:
        return CRELATE_RECORD_TYPES[self.record_of(person_id)["RecordType"]]

    def record_of(self, person_id: str) -> Any:
        return self.state.contacts[person_id]

    def revoke(self) -> None:
        self.state.revoke_api_key(self.credentials["api_key"])

    def refuse_next_create(self) -> None:
        message = "The contact could not be saved: LastName is required."
        self.state.inject_fault("POST /contacts", status=500, message=message)


class PCRecruiterHarness(Harness):
    kind = "pcrecruiter"
    secret_fields = ("password", "api_key", "app_id")

    def seed_person(self, email: str, first: str, last: str) -> str:
        return str(self.state.add_candidate(first, last, email)["CandidateId"])

    def seed_job(self, title: str) -> str:
        return str(self.state.add_position(title)["JobId"])

    def people_with_email(self, email: str) -> list[str]:
        return [str(c["CandidateId"]) for c in self.state.candidates_with(email)]

    def jobs_of(self, person_id: str) -> list[str]:
        return [str(j) for j in self.state.jobs_of(int(person_id))]

    def activities_of(self, person_id: str) -> list[str]:
        return [a["Notes"] for a in self.state.activities_of(int(person_id))]

    def record_of(self, person_id: str) -> Any:
        return self.state.candidates[int(person_id)]

    def revoke(self) -> None:
        self.state.revoke_logins()

    def refuse_next_create(self) -> None:
        self.state.inject_fault("candidates", status=400, message="EmailAddress is invalid.")


class RecruiterflowHarness(Harness):
    kind = "recruiterflow"
    outage_status = 502  # RF's edge

    def __init__(self, state: Any = None) -> None:
        super().__init__(state)
        self.state.add_activity_type("Outreach email")

    def seed_person(self, email: str, first: str, last: str) -> str:
        return str(self.state.add_candidate(first, last, email).id)

    def seed_job(self, title: str) -> str:
        return str(self.state.add_job(title).id)

    def people_with_email(self, email: str) -> list[str]:
        return [str(p.id) for p in self.state.people_with_email(email)]

    def jobs_of(self, person_id: str) -> list[str]:
        return [str(j) for j in self.state.people[int(person_id)].jobs]

    def activities_of(self, person_id: str) -> list[str]:
        return [a.text for a in self.state.activities_of(int(person_id))]

    def record_type_of(self, person_id: str) -> str:
        return self.record_of(person_id).kind.title()

    def record_of(self, person_id: str) -> Any:
        return self.state.people[int(person_id)]

    def revoke(self) -> None:
        self.state.revoke_api_key(self.credentials["api_key"])

    def refuse_next_create(self) -> None:
        self.state.inject_fault("candidate/add", status=400, message="Invalid email address.")


HARNESSES: dict[str, type[Harness]] = {
    h.kind: h
    for h in (
        AshbyHarness,
        SalesforceHarness,
        CrelateHarness,
        PCRecruiterHarness,
        RecruiterflowHarness,
    )
}
