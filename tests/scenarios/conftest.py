from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.app import Runtime
from bot.storage import models as m
from sandbox.ashby import AshbyState
from tests.conftest import OUTREACH_SECRET, SIGNING_SECRET
from tests.scenarios.matrix.fixtures import (  # noqa: F401  (fixtures: the feature matrix's teammate)
    browser,
    emulator,
    me,
    profile,
)
from tests.scenarios.surface import validated_slack  # noqa: F401  (fixture)
from tests.support.driver import SlackUser, opened_view
from tests.support.emulators import ASHBY_KEY
from tests.support.fake_slack import FakeSlack
from tests.support.outreach import post_events


@pytest.fixture
def user(http: httpx.AsyncClient, fake_slack: FakeSlack) -> SlackUser:
    return SlackUser(http, fake_slack, SIGNING_SECRET)


async def connect_ashby(user: SlackUser, slack: FakeSlack, key: str = ASHBY_KEY) -> dict[str, Any]:
    before = len(slack.views)
    await user.command("connect ashby")
    view = await opened_view(slack, before + 1)
    return await user.submit(view, {"API key": key})


async def send_events(http: httpx.AsyncClient, events: list[dict[str, Any]]) -> dict[str, Any]:
    return await post_events(http, OUTREACH_SECRET, events)


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
