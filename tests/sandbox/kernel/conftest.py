from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from sandbox.kernel import ManualClock, Transport
from tests.sandbox.kernel.toy import KEY, ToyState, create_app


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def toy(clock: ManualClock) -> ToyState:
    return ToyState(clock=clock, seed=7)


@pytest.fixture
async def client(toy: ToyState) -> AsyncIterator[httpx.AsyncClient]:
    """The toy emulator in-process, as the suite reaches every emulator."""
    transport = Transport(create_app(toy))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://toy.test", headers={"X-Key": KEY}, timeout=2
    ) as http:
        yield http
