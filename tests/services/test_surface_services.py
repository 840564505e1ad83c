"""Services behind the surface: resync planning and progress, sequence lookup and overrides,
status fixes. Real database, real Ashby connector against its emulator."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.app import Runtime
from bot.services.connections import connect, disconnect
from bot.services.events import OutreachEvent
from bot.services.ingest import ingest
from bot.services.problems import Problem
from bot.services.resync import (
    ResyncProgress,
    plan_resync,
    retry_failed,
    run_resync,
    start_resync,
)
from bot.services.sequences import (
    SequenceNotFound,
    SequenceOverrides,
    count_sequences,
    resolve_sequence,
    save_overrides,
)
from bot.services.settings import NotConnected, load_connection
from bot.services.status import Fix, connection_health, contact_timeline
from bot.storage import models as m
from bot.storage.models import SyncMode, SyncState, utcnow
from bot.storage.repos import Repo
from bot.sync import reasons
from bot.sync.rules import ResyncSkip
from sandbox.ashby import AshbyState
from tests.support.emulators import ASHBY_KEY
from tests.support.outreach import make_event
from tests.support.tasks import run_passes

TEAM, USER = "T0001", "U0001"


async def add(runtime: Runtime, email: str, seq: str = "seq-42", name: str = "Q4", **kw) -> None:
    event = make_event(
        contact={"email": email, "first_name": "X"}, sequence={"id": seq, "name": name}, **kw
    )
    await ingest(runtime.db, [OutreachEvent.model_validate(event)])


async def connected(runtime: Runtime) -> m.Connection:
    await connect(runtime, TEAM, USER, "ashby", {"api_key": ASHBY_KEY})
    return await load_connection(runtime, TEAM, USER)


async def sequence_id(runtime: Runtime, external_id: str = "seq-42") -> int:
    async with runtime.db.session() as session:
        return (await Repo(session, TEAM).sequence_by_external_id(external_id)).id


async def test_plan_counts_create_link_and_skips_without_writing(
    runtime: Runtime, ashby: AshbyState
) -> None:
    for email in ("a@x.com", "b@x.com", "c@x.com"):
        await add(runtime, email)
    ashby.add_candidate("B", "b@x.com")
    conn = await connected(runtime)
    async with runtime.db.session() as session:
        await session.execute(update(m.Connection).values(sync_mode="on_reply"))
    await add(runtime, "r@x.com", type="email.replied")
    conn = await load_connection(runtime, TEAM, USER)
    connector = await runtime.connector_for(conn)
    try:
        plan = await plan_resync(runtime, connector, conn, await sequence_id(runtime))
    finally:
        await connector.aclose()
    assert len(plan.to_create) == 1 and plan.to_link == []  # only the one who replied
    assert plan.skipped == {ResyncSkip.NO_REPLY: 3}
    assert ashby.calls["candidate.create"] == 0


async def test_start_rechecks_settings_changed_after_the_preview(
    runtime: Runtime, ashby: AshbyState
) -> None:
    await add(runtime, "a@x.com")
    conn = await connected(runtime)
    connector = await runtime.connector_for(conn)
    try:
        plan = await plan_resync(runtime, connector, conn, await sequence_id(runtime))
    finally:
        await connector.aclose()
    assert len(plan.to_create) == 1
    async with runtime.db.session() as session:
        await session.execute(update(m.Sequence).values(sync_disabled=True))
    assert await start_resync(runtime, conn, plan.eligible, backfill=True) == []


async def test_run_resync_reports_progress_while_the_pass_runs(
    runtime: Runtime, ashby: AshbyState
) -> None:
    await add(runtime, "a@x.com")
    conn = await connected(runtime)
    async with runtime.db.session() as session:
        ids = list(await session.scalars(select(m.Membership.id)))
    due = await start_resync(runtime, conn, ids, backfill=False)
    reports: list[ResyncProgress] = []

    async def slow_pass() -> None:
        await asyncio.sleep(0.1)  # long enough for a few progress ticks
        await run_passes(runtime, TEAM, conn.id)

    async def report(progress: ResyncProgress) -> None:
        reports.append(progress)

    final = await run_resync(runtime, conn, due, slow_pass, report, interval=0.02)
    assert reports and reports[0].done == 0 and reports[0].total == 1
    assert (final.done, final.created, final.failed) == (1, 1, 0)


async def test_retry_failed_requeues_failed_contacts(runtime: Runtime, ashby: AshbyState) -> None:
    conn = await connected(runtime)
    ashby.inject_fault("candidate.create", status=200, code="invalid_input", times=1)
    await add(runtime, "a@x.com")
    await run_passes(runtime, TEAM, conn.id)
    assert await retry_failed(runtime, TEAM, USER) == 1
    await run_passes(runtime, TEAM, conn.id)
    async with runtime.db.session() as session:
        membership = await session.scalar(select(m.Membership))
    assert membership.sync_state == SyncState.SYNCED


async def test_sequences_resolve_count_and_hold_back_on_disable(runtime: Runtime) -> None:
    await add(runtime, "a@x.com", seq="s1", name="Backend Q4")
    await add(runtime, "b@x.com", seq="s2", name="Frontend Q4")
    await add(runtime, "d@x.com", seq="s3", name="R&D <Q4>")
    async with runtime.db.session() as session:
        repo = Repo(session, TEAM)
        assert (await resolve_sequence(repo, USER, "backend q4")).external_id == "s1"
        assert (await resolve_sequence(repo, USER, "s2")).name == "Frontend Q4"
        # Slack escapes &, < and > in slash command text.
        assert (await resolve_sequence(repo, USER, "R&amp;D &lt;Q4&gt;")).external_id == "s3"
        with pytest.raises(SequenceNotFound) as missing:
            await resolve_sequence(repo, USER, "backnd q4")
        assert missing.value.problem is Problem.SEQUENCE_NOT_FOUND
        assert ("Backend Q4", "s1") in missing.value.params["close"]
        with pytest.raises(SequenceNotFound):
            await resolve_sequence(repo, "U-OTHER", "s1")  # only the teammate's own
        counts = await count_sequences(repo, USER)
    assert [(c.name, c.contacts) for c in counts] == [
        ("Backend Q4", 1),
        ("Frontend Q4", 1),
        ("R&D <Q4>", 1),
    ]
    await connected(runtime)
    await add(runtime, "c@x.com", seq="s1")
    overrides = SequenceOverrides(SyncMode.ON_REPLY, None, None, None, True)
    await save_overrides(runtime, TEAM, USER, await sequence_id(runtime, "s1"), overrides)
    async with runtime.db.session() as session:
        states = set(
            await session.scalars(
                select(m.Membership.sync_state).where(
                    m.Membership.sequence_id == await sequence_id(runtime, "s1")
                )
            )
        )
    assert states == {SyncState.NO_CONNECTION, SyncState.SKIPPED}


async def test_disconnect_forgets_credentials_and_status_explains(
    runtime: Runtime, ashby: AshbyState
) -> None:
    await connected(runtime)
    assert (await disconnect(runtime, TEAM, USER)).crm == "Ashby"
    with pytest.raises(NotConnected):
        await disconnect(runtime, TEAM, USER)
    with pytest.raises(NotConnected):
        await load_connection(runtime, TEAM, USER)
    await add(runtime, "a@x.com")
    timeline = await contact_timeline(runtime, TEAM, USER, "A@x.com")
    [entry] = timeline.entries
    assert entry.state == SyncState.NO_CONNECTION and entry.fix is Fix.CONNECT_THEN_RESYNC


async def test_health_reports_pauses() -> None:
    until = utcnow() + timedelta(minutes=5)
    paused = m.Connection(
        kind="ashby",
        status="active",
        status_reason=reasons.paused(until, "rate limited"),
        paused_until=until,
    )
    health = connection_health(paused)
    assert health.state == "paused" and health.reason == reasons.paused(until, "rate limited")
    assert connection_health(None) is None
