from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.connectors.ashby.client import AshbyConnector
from tests.support.emulators import ASHBY_KEY, SEEDS

API_KEY = ASHBY_KEY
BASE_URL = SEEDS["ashby"].url
MakeConnector = Callable[..., AshbyConnector]


@pytest.fixture
def kind() -> str:
    return "ashby"


@pytest.fixture
def make_connector(transport: Any, closing: Any) -> MakeConnector:
    def make(key: str = API_KEY, **kw) -> AshbyConnector:
        kw.setdefault("transport", transport)
        kw.setdefault("retry_wait", 0)
        return closing(AshbyConnector(key, base_url=BASE_URL, **kw))

    return make


@pytest.fixture
def api_key() -> str:
    return API_KEY


@pytest.fixture
def base_url() -> str:
    return BASE_URL
