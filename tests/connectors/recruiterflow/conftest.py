from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.connectors.recruiterflow.client import RecruiterflowConnector
from tests.support.emulators import RF_KEY, SEEDS

API_KEY = RF_KEY
BASE_URL = SEEDS["recruiterflow"].url
MakeConnector = Callable[..., RecruiterflowConnector]


@pytest.fixture
def kind() -> str:
    return "recruiterflow"


@pytest.fixture
def make_connector(transport: Any, closing: Any) -> MakeConnector:
    def make(key: str = API_KEY, **kw) -> RecruiterflowConnector:
        kw.setdefault("transport", transport)
        kw.setdefault("retry_wait", 0)
        return closing(RecruiterflowConnector(key, base_url=BASE_URL, **kw))

    return make
