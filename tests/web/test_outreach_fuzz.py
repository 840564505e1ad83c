"""Schemathesis fuzzes POST /outreach/events from the app's own /openapi.json, in-process,
with valid signatures: bodies that fit the schema and bodies that do not.

Every answer must be one the document promises (status, content type, body shape), never a
5xx, and the events stored must be exactly those the answers accepted. FUZZ_EXAMPLES sets the
number of bodies of each kind (default 50, so the suite stays fast); docs/reliability.md has
the figures of a longer run.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from functools import partial

import httpx
import pytest
import schemathesis
from anyio.from_thread import BlockingPortal, start_blocking_portal
from cryptography.fernet import Fernet
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import func, select

from bot.app import Runtime, create_app
from bot.settings import Settings
from bot.storage import models as m
from tests.conftest import OUTREACH_SECRET
from tests.support.outreach import sign_outreach

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "50"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


class App:
    """The app on an event loop of its own thread, so Hypothesis's synchronous test can call
    it in-process."""

    def __init__(self, portal: BlockingPortal, runtime: Runtime):
        self.portal = portal
        self.runtime = runtime
        transport = httpx.ASGITransport(app=create_app(runtime, clock=False))
        self.http = httpx.AsyncClient(transport=transport, base_url="http://bot.test")

    def get(self, path: str) -> httpx.Response:
        return self.portal.call(self.http.get, path)

    def post_signed(self, body: bytes) -> httpx.Response:
        headers = sign_outreach(OUTREACH_SECRET, body)
        return self.portal.call(
            partial(self.http.post, "/outreach/events", content=body, headers=headers)
        )

    def stored_events(self) -> int:
        async def count() -> int:
            async with self.runtime.db.session() as session:
                return await session.scalar(select(func.count()).select_from(m.OutreachEvent))

        return self.portal.call(count)


@pytest.fixture
def app(database_url: str) -> Iterator[App]:
    settings_ = Settings(
        _env_file=None,
        database_url=database_url,
        outreach_webhook_secret=OUTREACH_SECRET,
        encryption_keys=Fernet.generate_key().decode(),
        task_runner="inprocess",
    )
    runtime = Runtime(settings_)
    with start_blocking_portal() as portal:
        portal.call(partial(runtime.start, clock=False))
        served = App(portal, runtime)
        yield served
        portal.call(served.http.aclose)
        portal.call(runtime.stop)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_fuzzed_bodies_get_documented_answers(app: App, mode: GenerationMode) -> None:
    schema = schemathesis.openapi.from_dict(app.get("/openapi.json").json())
    operation = schema["/outreach/events"]["POST"]
    tally: Counter[str] = Counter()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def send(case: schemathesis.Case) -> None:
        body = case.body if isinstance(case.body, bytes) else json.dumps(case.body).encode()
        response = app.post_signed(body)
        tally["inputs"] += 1
        tally[f"answered {response.status_code}"] += 1
        if response.status_code == 202:
            answer = response.json()
            tally["events accepted"] += answer["accepted"]
            tally["events rejected by index"] += len(answer["rejected"])
            tally["duplicates"] += answer["duplicates"]
        case.validate_response(response, checks=CHECKS)

    send()

    print(f"\n{mode.value}: {dict(sorted(tally.items()))}")
    assert not any(key.startswith("answered 5") for key in tally)
    assert app.stored_events() == tally["events accepted"]
