"""Exactly once at the database, not only in memory: work that races anyway (a stalled worker's
job retried while the first still runs, two alert posters, a crash between Slack's answer and
the commit) heals instead of crashing or doing things twice. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import select

from bot.app import Runtime
from bot.notify.alerts import Notifier
from bot.storage import models as m
from bot.sync.engine import BUSY
from sandbox.ashby import AshbyState
from tests.scenarios.conftest import candidates_with, connect_ashby, send_events
from tests.support.driver import SlackUser
from tests.support.fake_slack import FakeSlack
from tests.support.outreach import make_event
from tests.support.tasks import run_passes


def added(email: str) -> dict:
    return make_event(contact={"email": email, "first_name": "Pat"})


async def alerts(runtime: Runtime) -> list[m.Alert]:
    async with runtime.db.session() as session:
        return list(await session.scalars(select(m.Alert).order_by(m.Alert.id)))


def exists_posts(slack: FakeSlack) -> list[dict]:
    """The "Exists in" messages Slack holds (a refused post leaves none)."""
    return [msg for msg in slack.messages.values() if "Exists in" in msg["text"]]


async def flagged_contacts(
    user: SlackUser, slack: FakeSlack, runtime: Runtime, ashby: AshbyState, http, n: int
) -> None:
    """n contacts added to a sequence that are already in Ashby: n alerts queued."""
    await connect_ashby(user, slack)
    for i in range(n):
        ashby.add_candidate(f"Known {i}", f"known{i}@acme.com")
    await send_events(http, [added(f"known{i}@acme.com") for i in range(n)])
    await runtime.engine.run_pass("T0001", 1)


async def test_two_passes_of_one_connection_never_both_run(
    user: SlackUser,
    fake_slack: FakeSlack,
    runtime: Runtime,
    ashby: AshbyState,
    http: httpx.AsyncClient,
) -> None:
    """Bypassing the runner's locks (as a retried job on another worker would): the lease
    lets one pass work and the other stand aside, and nobody is created twice."""
    await connect_ashby(user, fake_slack)
    emails = [f"race{i}@acme.com" for i in range(30)]
    await send_events(http, [added(e) for e in emails])
    results = await asyncio.gather(*(runtime.engine.run_pass("T0001", 1) for _ in range(3)))
    assert sum(r.stopped == BUSY for r in results) >= 1
    await runtime.engine.run_pass("T0001", 1)
    assert ashby.calls["candidate.create"] == len(emails)
    assert all(len(candidates_with(ashby, e)) == 1 for e in emails)


async def test_alerts_are_posted_once_when_two_posters_race(
    user: SlackUser,
    fake_slack: FakeSlack,
    runtime: Runtime,
    ashby: AshbyState,
    http: httpx.AsyncClient,
) -> None:
    await flagged_contacts(user, fake_slack, runtime, ashby, http, 6)
    other = Notifier(runtime.db, runtime.slack_clients)
    await asyncio.gather(runtime.notifier.post_all(), other.post_all(), runtime.notifier.post_all())
    assert len(exists_posts(fake_slack)) == 6
    assert all(a.message_ts and a.posted_at for a in await alerts(runtime))


async def test_a_crash_after_slack_answered_does_not_post_again(
    user: SlackUser,
    fake_slack: FakeSlack,
    runtime: Runtime,
    ashby: AshbyState,
    http: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await flagged_contacts(user, fake_slack, runtime, ashby, http, 1)
    real_update = Notifier._update

    async def crash_on_commit(self, alert, **values):
        if "message_ts" in values:
            raise RuntimeError("worker killed between Slack's answer and the commit")
        await real_update(self, alert, **values)

    monkeypatch.setattr(Notifier, "_update", crash_on_commit)
    with pytest.raises(RuntimeError):
        await runtime.notifier.post_all()
    assert len(exists_posts(fake_slack)) == 1
    [alert] = await alerts(runtime)
    assert alert.message_ts is None and alert.posted_channel

    monkeypatch.setattr(Notifier, "_update", real_update)
    await runtime.notifier.post_all()  # the claim is still fresh: nobody touches it yet
    assert len(exists_posts(fake_slack)) == 1
    recovering = Notifier(runtime.db, runtime.slack_clients, claim_seconds=0)
    await recovering.post_all()  # the claim lapsed: the message is found, not posted again
    assert len(exists_posts(fake_slack)) == 1
    [alert] = await alerts(runtime)
    assert alert.message_ts == exists_posts(fake_slack)[0]["ts"]
    assert alert.posted_at is not None
    assert fake_slack.calls_to("conversations.history")


async def test_a_crash_before_slack_answered_posts_once_later(
    user: SlackUser,
    fake_slack: FakeSlack,
    runtime: Runtime,
    ashby: AshbyState,
    http: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await flagged_contacts(user, fake_slack, runtime, ashby, http, 1)
    fake_slack.fail_next("chat.postMessage", "fatal_error")
    await runtime.notifier.post_all()
    assert not exists_posts(fake_slack)

    recovering = Notifier(runtime.db, runtime.slack_clients, claim_seconds=0)
    await recovering.post_all()
    assert len(exists_posts(fake_slack)) == 1
    [alert] = await alerts(runtime)
    assert alert.message_ts and alert.attempts == 2


async def test_a_link_written_by_another_pass_is_adopted(
    user: SlackUser,
    fake_slack: FakeSlack,
    runtime: Runtime,
    ashby: AshbyState,
    http: httpx.AsyncClient,
) -> None:
    await connect_ashby(user, fake_slack)
    await send_events(http, [added("jo@acme.com")])
    await run_passes(runtime)
    async with runtime.db.session() as session:
        [link] = list(await session.scalars(select(m.SyncLink)))
    from bot.storage.repos import Repo

    async with runtime.db.session() as session:
        again = await Repo(session, "T0001").add_link(
            link.connection_id, link.contact_id, "other-id", "Candidate", None, created=False
        )
    assert again.id == link.id and again.crm_record_id == link.crm_record_id


async def test_an_activity_push_is_claimed_once(
    user: SlackUser,
    fake_slack: FakeSlack,
    runtime: Runtime,
    ashby: AshbyState,
    http: httpx.AsyncClient,
) -> None:
    from bot.storage.repos import Repo

    await connect_ashby(user, fake_slack)
    await send_events(http, [added("al@acme.com")])
    await run_passes(runtime)
    await send_events(
        http, [make_event(type="email.sent", contact={"email": "al@acme.com"}, id="evt-sent")]
    )
    async with runtime.db.session() as session:
        [activity] = list(await session.scalars(select(m.Activity)))
    async with runtime.db.session() as session:
        first = await Repo(session, "T0001").claim_activity_pushes(1, [activity.id])
    async with runtime.db.session() as session:
        second = await Repo(session, "T0001").claim_activity_pushes(1, [activity.id])
    assert first == {} and second == {activity.id: "in_flight"}
