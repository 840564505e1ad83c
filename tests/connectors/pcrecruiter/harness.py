"""The PCRecruiter emulator behind the conformance suite's Harness interface."""

from __future__ import annotations

import httpx
from cryptography.fernet import Fernet

from bot.connectors.base import Connector
from bot.connectors.registry import build_connector
from bot.settings import Settings
from sandbox.pcrecruiter import PCRecruiterState, create_app
from tests.connectors.conformance.harness import Fault

LOGIN = {
    "database_id": "Conformance.Profile",
    "username": "sync-bot",
    "password": "pcr-password-91f3",
    "api_key": "pcr-api-key-5e7a0c",
    "app_id": "pcr-app-id-2b8d",
}


class PCRecruiterHarness:
    kind = "pcrecruiter"
    person_type = "Candidate"

    def __init__(self) -> None:
        self.state = PCRecruiterState()
        self.state.add_login(*LOGIN.values())
        self._transport = httpx.ASGITransport(app=create_app(self.state))
        self.settings = Settings(
            _env_file=None,
            encryption_keys=Fernet.generate_key().decode(),
            pcrecruiter_api_url="https://pcr.test/rest/api",
            crm_retry_wait_seconds=0,
        )

    def transport(self) -> httpx.AsyncBaseTransport:
        return self._transport

    def connector(self, *, valid: bool = True) -> Connector:
        login = LOGIN if valid else {**LOGIN, "password": "wrong-password"}
        return build_connector("pcrecruiter", login, self.settings, self._transport)

    def secrets(self) -> list[str]:
        return [LOGIN["password"], LOGIN["api_key"], LOGIN["app_id"]]

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

    def inject(self, fault: Fault, *, retry_after: float | None = None) -> None:
        if fault == "auth":
            self.state.revoke_logins()
        elif fault == "rate_limit":
            self.state.inject_fault(status=429, retry_after=retry_after, times=None)
        elif fault == "transient":
            self.state.inject_fault(status=503, times=None)
        else:
            self.state.inject_fault("candidates", status=400, message="EmailAddress is invalid.")
