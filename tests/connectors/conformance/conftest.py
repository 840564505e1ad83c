"""Every registered CRM's harness; the suite runs once per entry."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.connectors.ashby.harness import AshbyHarness
from tests.connectors.conformance.harness import Harness
from tests.connectors.crelate.harness import CrelateHarness
from tests.connectors.pcrecruiter.harness import PCRecruiterHarness
from tests.connectors.recruiterflow.harness import RecruiterflowHarness
from tests.connectors.salesforce.harness import SalesforceHarness

HARNESSES: dict[str, Callable[[], Harness]] = {
    "ashby": AshbyHarness,
    "salesforce": SalesforceHarness,
    "crelate": CrelateHarness,
    "pcrecruiter": PCRecruiterHarness,
    "recruiterflow": RecruiterflowHarness,
}


@pytest.fixture(params=sorted(HARNESSES))
def harness(request: pytest.FixtureRequest) -> Harness:
    return HARNESSES[request.param]()
