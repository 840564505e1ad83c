"""The Recruiterflow emulator behind the conformance suite's Harness interface."""

from __future__ import annotations

import httpx
from cryptography.fernet import Fernet

from bot.connectors.base import Connector
from bot.connectors.registry import build_connector
from bot.settings import Settings
from sandbox.recruiterflow import RecruiterflowState, create_app
from tests.connectors.conformance.harness import Fault

KEY = "rf-conformance-key-84c2"


class RecruiterflowHarness:
    kind = "recruiterflow"
    person_type = "Candidate"

    def __init__(self) -> None:
        self.state = RecruiterflowState()
        self.state.add_api_key(KEY)
        self.state.add_activity_type("Outreach email")
        self._transport = httpx.ASGITransport(app=create_app(self.state))
        self.settings = Settings(
            _env_file=None,
            encryption_keys=Fernet.generate_key().decode(),
            recruiterflow_api_url="https://api.recruiterflow.test",
            crm_retry_wait_seconds=0,
        )

    def transport(self) -> httpx.AsyncBaseTransport:
        return self._transport

    def connector(self, *, valid: bool = True) -> Connector:
        key = KEY if valid else "not-a-real-key"
        return build_connector("recruiterflow", {"api_key": key}, self.settings, self._transport)

    def secrets(self) -> list[str]:
        return [KEY]

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

    def inject(self, fault: Fault, *, retry_after: float | None = None) -> None:
        if fault == "auth":
            self.state.revoke_api_key(KEY)
        elif fault == "rate_limit":
            self.state.inject_fault(status=429, retry_after=retry_after, times=None)
        elif fault == "transient":
            self.state.inject_fault(status=502, times=None)
        else:
            self.state.inject_fault("candidate/add", status=400, message="Invalid email address.")
