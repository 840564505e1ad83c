"""The Crelate emulator behind the conformance suite's Harness interface."""

from __future__ import annotations

import httpx
from cryptography.fernet import Fernet

from bot.connectors.base import Connector
from bot.connectors.registry import build_connector
from bot.settings import Settings
from sandbox.crelate import CrelateState, create_app
from tests.connectors.conformance.harness import Fault

KEY = "crelate-conformance-key-8a2f"


class CrelateHarness:
    kind = "crelate"
    person_type = "Candidate"

    def __init__(self) -> None:
        self.state = CrelateState()
        self.owner = self.state.add_api_key(KEY)
        self._transport = httpx.ASGITransport(app=create_app(self.state))
        self.settings = Settings(
            _env_file=None,
            encryption_keys=Fernet.generate_key().decode(),
            crelate_api_url="https://app.crelate.test/api3",
            crm_retry_wait_seconds=0,
        )

    def transport(self) -> httpx.AsyncBaseTransport:
        return self._transport

    def connector(self, *, valid: bool = True) -> Connector:
        key = KEY if valid else "not-a-real-key"
        return build_connector("crelate", {"api_key": key}, self.settings, self._transport)

    def secrets(self) -> list[str]:
        return [KEY]

    def seed_person(self, email: str, first: str, last: str) -> str:
        return self.state.add_contact(first, last, email, owner=self.owner)["Id"]

    def seed_job(self, title: str) -> str:
        return self.state.add_job(title)["Id"]

    def people_with_email(self, email: str) -> list[str]:
        return [c["Id"] for c in self.state.contacts_with_email(email)]

    def jobs_of(self, person_id: str) -> list[str]:
        return self.state.jobs_of(person_id)

    def activities_of(self, person_id: str) -> list[str]:
        return [str(a.get("Display")) for a in self.state.activities_of(person_id)]

    def inject(self, fault: Fault, *, retry_after: float | None = None) -> None:
        if fault == "auth":
            self.state.revoke_api_key(KEY)
        elif fault == "rate_limit":
            self.state.inject_fault(status=429, retry_after=retry_after, times=None)
        elif fault == "transient":
            self.state.inject_fault(status=503, times=None)
        else:
            self.state.inject_fault(
                "POST /contacts",
                status=500,
                message="The contact could not be saved: LastName is required.",
            )
