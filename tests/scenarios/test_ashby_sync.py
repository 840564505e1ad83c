"""The spine end to end: signed Slack requests set things up, signed outreach events bring
contacts, the real scheduler syncs them into the Ashby emulator, alerts reach fake Slack."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from bot import jobs
from bot.app import Runtime
from bot.storage import models as m
from bot.storage.models import SyncState, utcnow
from bot.storage.repos import Repo
from bot.views.reasons import reason_text
from sandbox.ashby import AshbyState
from tests.conftest import eventually
from tests.scenarios.conftest import (
    candidates_with,
    connect_ashby,
    membership_of,
    opened_view,
    send_events,
)
from tests.support.blockkit import assert_valid_message
from tests.support.driver import SlackUser
from tests.support.fake_slack import FakeSlack
from tests.support.outreach import make_event as support_make_event
from tests.support.tasks import run_passes

ALERTS = "C0ALERTS"


async def configure(user: SlackUser, slack: FakeSlack, answers: dict) -> None:
    before = len(slack.views)
    await user.command("settings")
    view = await opened_view(slack, before + 1)
    await user.submit(view, answers)


def job_answer(job) -> dict:
    return {"text": {"type": "plain_text", "text": job.title}, "value": job.id}


def make_event(**kw) -> dict:
    """Events stamped now to the microsecond: the support default rounds to the second,
    which can fall before the connection made a moment earlier (and so is not pushed)."""
    kw.setdefault("occurred_at", utcnow().isoformat())
    return support_make_event(**kw)


def added(email: str, first: str, seq: str = "seq-42", **kw) -> dict:
    return make_event(
        contact={"email": email, "first_name": first, "last_name": "Doe"},
        sequence={"id": seq, "name": f"Sequence {seq}"},
        **kw,
    )


async def synced(runtime: Runtime, email: str, seq: str = "seq-42") -> bool:
    membership = await membership_of(runtime, email, seq)
    return membership is not None and membership.sync_state == SyncState.SYNCED


@pytest.fixture
async def connected(user: SlackUser, fake_slack: FakeSlack, runtime: Runtime, ashby: AshbyState):
    job = ashby.add_job("Senior Backend Engineer")
    await connect_ashby(user, fake_slack)
    await configure(user, fake_slack, {"Default job": job_answer(job), "Alert channel": ALERTS})
    runtime.clock.start()
    return job


async def test_contacts_sync_once_with_job_notes_and_duplicate_alert(
    user: SlackUser,
    fake_slack: FakeSlack,
    runtime: Runtime,
    ashby: AshbyState,
    http: httpx.AsyncClient,
    connected,
) -> None:
    job = connected
    existing = ashby.add_candidate("Bob Existing", "bob@acme.com")
    events = [
        added("jane@acme.com", "Jane"),
        added("Bob@Acme.com", "Bob"),
        make_event(type="email.sent", contact={"email": "jane@acme.com"}),
        make_event(
            type="email.replied", contact={"email": "jane@acme.com"}, sentiment="interested"
        ),
    ]
    assert (await send_events(http, events))["accepted"] == 4

    # Jane: not in Ashby, so created once, put on the default job, both emails noted once.
    await eventually(lambda: synced(runtime, "jane@acme.com"))
    [jane] = candidates_with(ashby, "jane@acme.com")
    assert [a.job_id for a in ashby.applications_for(jane.id)] == [job.id]
    await eventually(lambda: len(ashby.notes_for(jane.id)) == 2)

    # Bob: already in Ashby, so flagged before anything syncs, and the channel is told.
    posts = await eventually(lambda: fake_slack.calls_to("chat.postMessage"))
    alert = posts[-1].args
    assert alert["channel"] == ALERTS
    assert "Exists in Ashby" in alert["text"] and "bob@acme.com" in alert["text"]
    assert_valid_message(alert["blocks"], alert["text"])
    bob = await membership_of(runtime, "bob@acme.com")
    assert (reason_text(bob.flag), bob.sync_state, bob.flag_record_id) == (
        "Exists in Ashby",
        "needs_decision",
        existing.id,
    )
    assert ashby.applications_for(existing.id) == []

    # Keep syncing links Bob to the existing record (no second candidate) and assigns the job.
    await user.click(alert["blocks"], "Keep syncing", channel_id=ALERTS)
    await eventually(lambda: synced(runtime, "bob@acme.com"))
    assert len(candidates_with(ashby, "bob@acme.com")) == 1
    assert [a.job_id for a in ashby.applications_for(existing.id)] == [job.id]
    replaced = await eventually(lambda: fake_slack.calls_to("response_url"))
    assert replaced[-1].args["replace_original"] is True
    assert "kept syncing" in replaced[-1].args["text"]

    # Replaying every event changes nothing, in our tables or in Ashby.
    calls_before = sum(ashby.calls.values())
    assert (await send_events(http, events))["duplicates"] == 4
    await runtime.clock.tick()
    await runtime.runner.drain()
    assert len(ashby.candidates) == 2
    assert len(ashby.notes_for(jane.id)) == 2
    assert len(ashby.applications) == 2
    assert sum(ashby.calls.values()) == calls_before
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


async def test_revoked_key_pauses_dms_and_resumes_after_reconnect(
    user: SlackUser,
    fake_slack: FakeSlack,
    runtime: Runtime,
    ashby: AshbyState,
    http: httpx.AsyncClient,
) -> None:
    await connect_ashby(user, fake_slack)
    await configure(user, fake_slack, {"Options": ["activity"]})
    from tests.support.emulators import ASHBY_KEY

    ashby.disable_api_key(ASHBY_KEY)
    await send_events(http, [added("jane@acme.com", "Jane")])
    await run_passes(runtime, "T0001", 1)
    async with runtime.db.session() as session:
        conn = await session.scalar(select(m.Connection))
    assert conn.status == "needs_reauth" and "Ashby" in reason_text(conn.status_reason)
    assert (await membership_of(runtime, "jane@acme.com")).sync_state == SyncState.PENDING
    await runtime.runner.submit(jobs.post_alerts())
    await runtime.runner.drain()
    dm = fake_slack.calls_to("chat.postMessage")[-1].args
    assert dm["channel"] == "DU0001" and "reconnect" in dm["text"].lower()
    assert_valid_message(dm["blocks"], dm["text"])
    assert ASHBY_KEY not in str(dm)

    ashby.add_api_key("new-ashby-key")
    await connect_ashby(user, fake_slack, key="new-ashby-key")
    await run_passes(runtime, "T0001", conn.id)
    assert await synced(runtime, "jane@acme.com")


async def test_crash_between_create_and_commit_does_not_duplicate(
    user: SlackUser,
    fake_slack: FakeSlack,
    runtime: Runtime,
    ashby: AshbyState,
    http: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await connect_ashby(user, fake_slack)
    await send_events(http, [added("jane@acme.com", "Jane")])
    real_add_link = Repo.add_link

    async def crash(*args, **kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(Repo, "add_link", crash)
    await run_passes(runtime, "T0001", 1)
    assert ashby.calls["candidate.create"] == 1
    assert (await membership_of(runtime, "jane@acme.com")).sync_state == SyncState.PENDING

    monkeypatch.setattr(Repo, "add_link", real_add_link)
    await run_passes(runtime, "T0001", 1)
    assert await synced(runtime, "jane@acme.com")
    assert ashby.calls["candidate.create"] == 1
    assert len(candidates_with(ashby, "jane@acme.com")) == 1


async def test_concurrent_passes_of_one_connection_never_overlap(
    user: SlackUser,
    fake_slack: FakeSlack,
    runtime: Runtime,
    ashby: AshbyState,
    http: httpx.AsyncClient,
) -> None:
    import asyncio

    await connect_ashby(user, fake_slack)
    await send_events(http, [added(f"c{i}@acme.com", f"C{i}") for i in range(20)])
    await asyncio.gather(
        *(run_passes(runtime, "T0001", 1) for _ in range(4)),
        *(runtime.runner.submit(jobs.sync_pass("T0001", 1)) for _ in range(4)),
    )
    await runtime.runner.drain()
    assert ashby.calls["candidate.create"] == 20
    assert len(ashby.candidates) == 20


async def test_a_new_contact_is_looked_up_once_per_pass(
    user: SlackUser,
    fake_slack: FakeSlack,
    runtime: Runtime,
    ashby: AshbyState,
    http: httpx.AsyncClient,
) -> None:
    """The duplicate check already looked the email up; syncing in the same pass reuses it."""
    await connect_ashby(user, fake_slack)
    emails = [f"new{i}@acme.com" for i in range(3)]
    await send_events(http, [added(email, "New") for email in emails])
    ashby.reset_calls()
    await run_passes(runtime, "T0001", 1)
    assert all(len(candidates_with(ashby, email)) == 1 for email in emails)
    assert ashby.calls["candidate.search"] == len(emails)


async def test_an_outage_while_writing_notes_ends_the_pass_and_loses_nothing(
    user: SlackUser,
    fake_slack: FakeSlack,
    runtime: Runtime,
    ashby: AshbyState,
    http: httpx.AsyncClient,
) -> None:
    await connect_ashby(user, fake_slack)
    await send_events(http, [added("jane@acme.com", "Jane"), make_event(type="email.sent")])
    ashby.inject_fault("candidate.createNote", status=503, times=None)
    await run_passes(runtime, "T0001", 1)  # returns: the pending note is not retried
    [jane] = candidates_with(ashby, "jane@acme.com")
    assert ashby.notes_for(jane.id) == []
    async with runtime.db.session() as session:
        [push] = (await session.scalars(select(m.ActivityPush))).all()
    assert push.status == "in_flight"

    ashby.clear_faults()
    await run_passes(runtime, "T0001", 1)
    await run_passes(runtime, "T0001", 1)
    assert len(ashby.notes_for(jane.id)) == 1
