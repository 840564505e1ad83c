"""Helpers of the surface scenarios (sequences, resync, status, disconnect, App Home)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from bot.app import Runtime
from tests.conftest import SIGNING_SECRET, eventually
from tests.support import slack_requests as sr
from tests.support.blockkit import assert_valid_home, assert_valid_message, assert_valid_view
from tests.support.fake_slack import Call, FakeSlack
from tests.support.outreach import make_event
from tests.support.tasks import run_passes


def added(email: str, seq: str = "seq-42", name: str | None = None, **kw: Any) -> dict:
    return make_event(
        contact={"email": email, "first_name": email.split("@")[0].title(), "last_name": "Doe"},
        sequence={"id": seq, "name": name or f"Sequence {seq}"},
        **kw,
    )


async def reply_number(slack: FakeSlack, n: int) -> dict[str, Any]:
    """The n-th (1-based) message the bot sent to a response_url, validated."""
    calls: list[Call] = await eventually(
        lambda: len(slack.calls_to("response_url")) >= n and slack.calls_to("response_url")
    )
    args = calls[n - 1].args
    if args.get("blocks"):
        assert_valid_message(args["blocks"], args.get("text"))
    return args


async def run_pass(runtime: Runtime) -> None:
    await run_passes(runtime, "T0001", 1)


async def send_slack_event(http: httpx.AsyncClient, event: dict[str, Any]) -> None:
    body, headers = sr.event_callback(SIGNING_SECRET, event)
    response = await http.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 200, response.text


@pytest.fixture
async def validated_slack(fake_slack: FakeSlack) -> AsyncIterator[FakeSlack]:
    """Strict fake Slack (invalid blocks are refused, as Slack does), and every view and
    message the bot sent during the test validated again at the end."""
    fake_slack.strict_blocks = True
    seen: list[Call] = []
    original_reset = fake_slack.reset

    def reset() -> None:
        seen.extend(fake_slack.calls)
        original_reset()

    fake_slack.reset = reset  # type: ignore[method-assign]
    yield fake_slack
    for call in seen + fake_slack.calls:
        view = call.args.get("view")
        if call.method == "views.publish":
            assert_valid_home(view)
        elif call.method.startswith("views."):
            assert_valid_view(view)
        elif call.args.get("blocks"):
            assert_valid_message(call.args["blocks"], call.args.get("text"))
