"""The suite runs once per registered CRM."""

from __future__ import annotations

import pytest

from tests.connectors.conformance.harness import HARNESSES, Harness


@pytest.fixture(params=sorted(HARNESSES))
def harness(request: pytest.FixtureRequest) -> Harness:
    return HARNESSES[request.param]()
