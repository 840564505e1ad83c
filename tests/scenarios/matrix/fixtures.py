"""Fixtures of the feature matrix, for every scenario test (tests/scenarios/conftest.py
imports them): a test takes ``crm`` (parametrised with ``profiles.crms(...)``, or a fixture
naming one CRM) and gets ``me``, a teammate of that CRM's emulator, not yet connected."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from bot.app import Runtime
from tests.connectors.conformance.harness import Harness
from tests.scenarios.matrix.profiles import PROFILES, Profile
from tests.scenarios.matrix.recruiter import Recruiter
from tests.scenarios.surface import validated_slack  # noqa: F401  (fixture)
from tests.support.driver import SlackUser
from tests.support.emulators import SALESFORCE_LOGIN_URL


@pytest.fixture
def profile(crm: str) -> Profile:
    return PROFILES[crm]


@pytest.fixture
def emulator(crm: str, request: pytest.FixtureRequest) -> Harness:
    """The CRM's emulator (the one the app talks to), seeded and read through its harness."""
    return PROFILES[crm].harness(request.getfixturevalue(crm))


@pytest.fixture
async def browser(crm_apps: dict[str, Any]) -> AsyncIterator[httpx.AsyncClient]:
    """A browser's client of Salesforce's login pages."""
    app = crm_apps[httpx.URL(SALESFORCE_LOGIN_URL).host]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=SALESFORCE_LOGIN_URL) as client:
        yield client


@pytest.fixture
def me(
    user: SlackUser,
    http: httpx.AsyncClient,
    runtime: Runtime,
    profile: Profile,
    emulator: Harness,
    browser: httpx.AsyncClient,
    validated_slack: Any,  # noqa: F811  (every view and message checked as Slack would)
) -> Recruiter:
    return Recruiter(user, http, runtime, profile, emulator, browser)
