from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.app import Runtime
from bot.storage import models as m
from sandbox.ashby import AshbyState
from tests.conftest import OUTREACH_SECRET, SIGNING_SECRET, eventually
from tests.support.blockkit import assert_valid_view
from tests.support.driver import SlackUser
from tests.support.emulators import ASHBY_KEY
from tests.support.fake_slack import FakeSlack
from tests.support.outreach import outreach_request


@pytest.fixture
def user(http: httpx.AsyncClient, fake_slack: FakeSlack) -> SlackUser:
    return SlackUser(http, fake_slack, SIGNING_SECRET)


async def opened_view(slack: FakeSlack, count: int) -> dict[str, Any]:
    """The modal the bot opened, once ``count`` views exist (opening happens after the ack)."""
    await eventually(lambda: len(slack.views) >= count)
    for call in slack.calls:
        if call.method in ("views.open", "views.update", "views.push"):
            assert_valid_view(call.args["view"])
    return list(slack.views.values())[count - 1]


async def connect_ashby(user: SlackUser, slack: FakeSlack, key: str = ASHBY_KEY) -> dict[str, Any]:
    before = len(slack.views)
    await user.command("connect ashby")
    view = await opened_view(slack, before + 1)
    return await user.submit(view, {"API key": key})


async def send_events(http: httpx.AsyncClient, events: list[dict[str, Any]]) -> dict[str, Any]:
    body, headers = outreach_request(OUTREACH_SECRET, events)
    response = await http.post("/outreach/events", content=body, headers=headers)
    assert response.status_code == 202, response.text
    return response.json()


async def membership_of(runtime: Runtime, email: str, sequence_id: str = "seq-42") -> m.Membership:
    async with runtime.db.session() as session:
        return await session.scalar(
            select(m.Membership)
            .join(m.Contact, m.Contact.id == m.Membership.contact_id)
            .join(m.Sequence, m.Sequence.id == m.Membership.sequence_id)
            .where(m.Contact.email == email, m.Sequence.external_id == sequence_id)
        )


def candidates_with(ashby: AshbyState, email: str) -> list:
    return [c for c in ashby.candidates.values() if email in [e.lower() for e in c.email_values()]]
