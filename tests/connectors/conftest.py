"""The connector tests of each CRM: its directory's conftest names the emulator (``kind``)
and says how to build the connector (``make_connector``); the rest is shared."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def connector(make_connector: Any) -> Any:
    return make_connector()
