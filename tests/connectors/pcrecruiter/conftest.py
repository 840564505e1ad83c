from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.connectors.pcrecruiter.client import PCRecruiterConnector
from sandbox.kernel import ManualClock
from sandbox.pcrecruiter import PCRecruiterState
from tests.support.emulators import PCR_LOGIN, SEEDS

LOGIN = PCR_LOGIN
BASE_URL = SEEDS["pcrecruiter"].url
MakeConnector = Callable[..., PCRecruiterConnector]


@pytest.fixture
def kind() -> str:
    return "pcrecruiter"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(1_000_000.0)


@pytest.fixture
def state(clock: ManualClock) -> PCRecruiterState:
    """Sessions that time out after a minute idle, on a clock the test moves."""
    return SEEDS["pcrecruiter"].new(session_timeout=60, clock=clock)


@pytest.fixture
def make_connector(transport: Any, closing: Any) -> MakeConnector:
    def make(**kw) -> PCRecruiterConnector:
        login = {**LOGIN, **{k: v for k, v in kw.items() if k in LOGIN}}
        options = {k: v for k, v in kw.items() if k not in LOGIN}
        options.setdefault("transport", transport)
        options.setdefault("retry_wait", 0)
        return closing(PCRecruiterConnector(**login, base_url=BASE_URL, **options))

    return make
