"""The Ashby emulator behind the conformance suite's Harness interface."""

from __future__ import annotations

import httpx
from cryptography.fernet import Fernet

from bot.connectors.base import Connector
from bot.connectors.registry import build_connector
from bot.settings import Settings
from sandbox.ashby import AshbyState, create_app
from tests.connectors.conformance.harness import Fault

KEY = "ashby-conformance-key-5d1e"


class AshbyHarness:
    kind = "ashby"
    person_type = "Candidate"

    def __init__(self) -> None:
        self.state = AshbyState()
        self.state.add_api_key(KEY)
        self._transport = httpx.ASGITransport(app=create_app(self.state))
        self.settings = Settings(
            _env_file=None,
            encryption_keys=Fernet.generate_key().decode(),
            ashby_api_url="https://api.ashbyhq.test",
            crm_retry_wait_seconds=0,
        )

    def transport(self) -> httpx.AsyncBaseTransport:
        return self._transport

    def connector(self, *, valid: bool = True) -> Connector:
        key = KEY if valid else "not-a-real-key"
        return build_connector("ashby", {"api_key": key}, self.settings, self._transport)

    def secrets(self) -> list[str]:
        return [KEY]

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

    def inject(self, fault: Fault, *, retry_after: float | None = None) -> None:
        if fault == "auth":
            self.state.disable_api_key(KEY)
        elif fault == "rate_limit":
            self.state.inject_fault(status=429, retry_after=retry_after, times=None)
        elif fault == "transient":
            self.state.inject_fault(status=503, times=None)
        else:
            self.state.inject_fault("candidate.create", status=400, code="invalid_input")
