"""Guards of the sync engine that no Slack request can reach, so their state is set directly:
these are engine tests, not end-to-end ones."""

from __future__ import annotations

import httpx
from sqlalchemy import update

from bot.app import Runtime
from bot.storage import models as m
from bot.storage.models import SyncState
from bot.views.reasons import reason_text
from sandbox.ashby import AshbyState
from tests.conftest import SIGNING_SECRET
from tests.scenarios.conftest import connect_ashby, membership_of, send_events
from tests.scenarios.surface import added, run_pass
from tests.support.driver import SlackUser
from tests.support.fake_slack import FakeSlack


async def test_engine_skips_queued_contacts_of_a_sequence_disabled_later(
    fake_slack: FakeSlack, runtime: Runtime, ashby: AshbyState, http: httpx.AsyncClient
) -> None:
    """Rule 3 holds even if a sequence is disabled by something other than /crm sequence
    (which holds back the queued contacts itself): the pass skips them."""
    await connect_ashby(SlackUser(http, fake_slack, SIGNING_SECRET), fake_slack)
    await send_events(http, [added("dan@acme.com")])
    async with runtime.db.session() as session:
        await session.execute(update(m.Sequence).values(sync_disabled=True))
    await run_pass(runtime)
    dan = await membership_of(runtime, "dan@acme.com")
    assert dan.sync_state == SyncState.SKIPPED and "disabled" in reason_text(dan.sync_reason)
    assert ashby.calls["candidate.create"] == 0
