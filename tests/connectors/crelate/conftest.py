from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.connectors.crelate.client import CrelateConnector
from sandbox.crelate import ApiUser, CrelateState
from tests.support.emulators import CRELATE_KEY, SEEDS

API_KEY = CRELATE_KEY
BASE_URL = SEEDS["crelate"].url
MakeConnector = Callable[..., CrelateConnector]


@pytest.fixture
def kind() -> str:
    return "crelate"


@pytest.fixture
def owner(state: CrelateState) -> ApiUser:
    """The user the suite's key belongs to."""
    return state.users[API_KEY]


@pytest.fixture
def make_connector(transport: Any, closing: Any) -> MakeConnector:
    def make(key: str = API_KEY, **kw) -> CrelateConnector:
        kw.setdefault("transport", transport)
        kw.setdefault("retry_wait", 0)
        return closing(CrelateConnector(key, base_url=BASE_URL, **kw))

    return make
