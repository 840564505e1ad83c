"""The Salesforce emulator behind the conformance suite's Harness interface."""

from __future__ import annotations

import httpx
import pytest
from cryptography.fernet import Fernet

from bot.connectors.base import Connector
from bot.connectors.registry import build_connector
from bot.settings import Settings
from sandbox.salesforce import SalesforceState, create_app
from tests.connectors.conformance.harness import Fault

LOGIN_URL = "https://login.salesforce.test"
INSTANCE_URL = "https://acme.my.salesforce.test"
CLIENT_ID = "3MVG9-conformance-client"
CLIENT_SECRET = "conformance-client-secret-77a1"
USERNAME = "sync@acme.test"
CALLBACK = "https://bot.test/oauth/salesforce/callback"


class SalesforceHarness:
    kind = "salesforce"
    person_type = "Lead"

    def __init__(self) -> None:
        self.state = SalesforceState(login_url=LOGIN_URL)
        self.state.oauth.add_client(CLIENT_ID, CLIENT_SECRET, [CALLBACK])
        self.state.oauth.add_user(USERNAME, "not-used-here", INSTANCE_URL)
        self.refresh_token = self.state.oauth.grant_refresh_token(CLIENT_ID, USERNAME)
        self._transport = httpx.ASGITransport(app=create_app(self.state))
        self.settings = Settings(
            _env_file=None,
            encryption_keys=Fernet.generate_key().decode(),
            salesforce_client_id=CLIENT_ID,
            salesforce_client_secret=CLIENT_SECRET,
            salesforce_login_url=LOGIN_URL,
            crm_retry_wait_seconds=0,
        )

    def transport(self) -> httpx.AsyncBaseTransport:
        return self._transport

    def connector(self, *, valid: bool = True) -> Connector:
        token = self.refresh_token if valid else "5Aep861-not-a-real-refresh-token"
        credentials = {"refresh_token": token, "instance_url": INSTANCE_URL}
        return build_connector("salesforce", credentials, self.settings, self._transport)

    def secrets(self) -> list[str]:
        access = list(self.state.oauth.access_tokens)
        return [self.refresh_token, CLIENT_SECRET, *access]

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

    def inject(self, fault: Fault, *, retry_after: float | None = None) -> None:
        if fault == "auth":
            self.state.oauth.revoke_refresh_token(self.refresh_token)
        elif fault == "rate_limit":
            # Salesforce's own daily limit (403 REQUEST_LIMIT_EXCEEDED) pauses until the
            # allowance returns; the suite's 429 with Retry-After is what a proxy would send.
            self.state.inject_fault(status=429, retry_after=retry_after, times=None)
        elif fault == "transient":
            self.state.inject_fault(status=503, times=None)
        else:
            self.state.inject_record_error("FIELD_CUSTOM_VALIDATION_EXCEPTION", "Not allowed")
