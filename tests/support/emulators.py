"""The five CRM emulators as the suite uses them: each seeded with the suite's credentials,
named by the API URL the suite's settings give it, and reached in-process through the
kernel's transport (which keeps client timeouts, so hung calls time out as over a socket).

    seed = SEEDS["ashby"]
    state = seed.new()                         # an AshbyState that knows ASHBY_KEY
    transport = seed.transport(state)          # for a connector or a raw httpx client
    seed.credentials(state)                    # what build_connector takes
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from sandbox import ashby, crelate, pcrecruiter, recruiterflow, salesforce
from sandbox.kernel import State, Transport

ASHBY_KEY = "ashby-test-key-0123456789"
RF_KEY = "rf-test-key-4f1b2c"
CRELATE_KEY = "crelate-test-key-9876543210"
PCR_LOGIN = {
    "database_id": "Test.Profile",
    "username": "sync-bot",
    "password": "pcr-test-password-7d2",
    "api_key": "pcr-test-api-key-1a9",
    "app_id": "pcr-test-app-id-3c4",
}
SALESFORCE_LOGIN_URL = "https://login.salesforce.test"
SALESFORCE_INSTANCE_URL = "https://acme.my.salesforce.test"
SALESFORCE_CLIENT_ID = "3MVG9-suite-client"
SALESFORCE_CLIENT_SECRET = "suite-client-secret-3e7d"
APP_URL = "http://bot.test"  # the app's public URL in the suite
SALESFORCE_CALLBACK = f"{APP_URL}/oauth/salesforce/callback"
SALESFORCE_USER = "sync@acme.test"
SALESFORCE_PASSWORD = "suite-password"


@dataclass(frozen=True)
class Seed:
    """``url``: the API URL the suite's settings give the CRM (``setting``, plus
    ``more_settings``); ``hosts``: other hosts the same app answers for; ``client``: httpx
    options for a raw, authenticated client of the emulator's API."""

    kind: str
    url: str
    setting: str
    make: Callable[..., State]
    create_app: Callable[[Any], Any]
    credentials: Callable[[Any], dict[str, str]]
    client: Callable[[Any], dict[str, Any]]
    hosts: tuple[str, ...] = ()
    more_settings: tuple[tuple[str, str], ...] = ()

    def new(self, **options: Any) -> Any:
        return self.make(**options)

    def transport(self, state: State) -> Transport:
        return Transport(self.create_app(state))

    def settings(self) -> dict[str, str]:
        """The settings that point the bot at this emulator."""
        return {self.setting: self.url, **dict(self.more_settings)}

    def served_hosts(self) -> list[str]:
        return [httpx.URL(self.url).host, *(httpx.URL(h).host for h in self.hosts)]


def _ashby(**options: Any) -> ashby.AshbyState:
    state = ashby.AshbyState(**options)
    state.add_api_key(ASHBY_KEY, title="Sync bot")
    return state


def _salesforce(**options: Any) -> salesforce.SalesforceState:
    state = salesforce.SalesforceState(login_url=SALESFORCE_LOGIN_URL, **options)
    state.oauth.add_client(SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET, [SALESFORCE_CALLBACK])
    state.oauth.add_user(SALESFORCE_USER, SALESFORCE_PASSWORD, SALESFORCE_INSTANCE_URL)
    return state


def _salesforce_credentials(state: salesforce.SalesforceState) -> dict[str, str]:
    token = state.oauth.grant_refresh_token(SALESFORCE_CLIENT_ID, SALESFORCE_USER)
    return {"refresh_token": token, "instance_url": SALESFORCE_INSTANCE_URL}


def _salesforce_client(state: salesforce.SalesforceState) -> dict[str, Any]:
    token = state.oauth.issue_access_token(SALESFORCE_CLIENT_ID, SALESFORCE_USER)
    return {
        "base_url": f"{SALESFORCE_INSTANCE_URL}/services/data/v60.0/",
        "headers": {"Authorization": f"Bearer {token}"},
    }


def _crelate(**options: Any) -> crelate.CrelateState:
    state = crelate.CrelateState(**options)
    state.add_api_key(CRELATE_KEY, "Sam Recruiter")
    return state


def _pcrecruiter(**options: Any) -> pcrecruiter.PCRecruiterState:
    state = pcrecruiter.PCRecruiterState(**options)
    state.add_login(*PCR_LOGIN.values())
    return state


def _recruiterflow(**options: Any) -> recruiterflow.RecruiterflowState:
    state = recruiterflow.RecruiterflowState(**options)
    state.add_api_key(RF_KEY)
    return state


SEEDS: dict[str, Seed] = {
    seed.kind: seed
    for seed in (
        Seed(
            "ashby",
            "https://api.ashbyhq.test",
            "ashby_api_url",
            _ashby,
            ashby.create_app,
            lambda _: {"api_key": ASHBY_KEY},
            lambda _: {"base_url": "https://api.ashbyhq.test", "auth": (ASHBY_KEY, "")},
        ),
        Seed(
            "salesforce",
            SALESFORCE_LOGIN_URL,
            "salesforce_login_url",
            _salesforce,
            salesforce.create_app,
            _salesforce_credentials,
            _salesforce_client,
            hosts=(SALESFORCE_INSTANCE_URL,),
            more_settings=(
                ("salesforce_client_id", SALESFORCE_CLIENT_ID),
                ("salesforce_client_secret", SALESFORCE_CLIENT_SECRET),
            ),
        ),
        Seed(
            "crelate",
            "https://app.crelate.test/api3",
            "crelate_api_url",
            _crelate,
            crelate.create_app,
            lambda _: {"api_key": CRELATE_KEY},
            lambda _: {
                "base_url": "https://app.crelate.test/api3/",
                "headers": {"X-Api-Key": CRELATE_KEY},
            },
        ),
        Seed(
            "pcrecruiter",
            "https://pcr.test/rest/api",
            "pcrecruiter_api_url",
            _pcrecruiter,
            pcrecruiter.create_app,
            lambda _: dict(PCR_LOGIN),
            lambda _: {"base_url": "https://pcr.test"},
        ),
        Seed(
            "recruiterflow",
            "https://api.recruiterflow.test",
            "recruiterflow_api_url",
            _recruiterflow,
            recruiterflow.create_app,
            lambda _: {"api_key": RF_KEY},
            lambda _: {
                "base_url": "https://api.recruiterflow.test/api/external",
                "headers": {"RF-Api-Key": RF_KEY},
            },
        ),
    )
}


class HostRouter(httpx.AsyncBaseTransport):
    """One transport in front of several emulators, chosen by the request's host: the
    Runtime takes a single ``crm_transport``, and each connector reaches its own emulator
    at the API URL the settings name, through real request/response shapes and no sockets."""

    def __init__(self, apps: dict[str, Any]):
        self.transports = {host: Transport(app) for host, app in apps.items()}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        transport = self.transports.get(request.url.host)
        if transport is None:
            known = ", ".join(sorted(self.transports))
            raise httpx.ConnectError(f"no emulator for {request.url.host} (known: {known})")
        return await transport.handle_async_request(request)
