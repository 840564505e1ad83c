"""Jobs through procrastinate on a real PostgreSQL: the web role only defers, workers run,
a job is queued once, and a killed worker's job is run by another."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from bot import jobs
from bot.app import Runtime, create_app
from bot.settings import Settings
from bot.tasks.queue import ProcrastinateRunner, every
from sandbox.ashby import AshbyState
from tests.conftest import SIGNING_SECRET, eventually
from tests.scenarios.conftest import candidates_with, connect_ashby, send_events
from tests.support.driver import SlackUser
from tests.support.emulators import HostRouter
from tests.support.fake_slack import FakeSlack
from tests.support.outreach import make_event

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def queue_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "task_runner": "procrastinate",
            "sync_interval_seconds": 1,
            "worker_heartbeat_seconds": 0.2,
            "worker_stalled_seconds": 1,
        }
    )


@pytest.fixture
async def web(
    queue_settings: Settings, crm_apps: dict[str, Any]
) -> AsyncIterator[tuple[Runtime, httpx.AsyncClient]]:
    runtime = Runtime(queue_settings, crm_transport=HostRouter(crm_apps))
    await runtime.start(clock=False)
    transport = httpx.ASGITransport(app=create_app(runtime, clock=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as http:
        yield runtime, http
    await runtime.stop()


@pytest.fixture
async def worker(queue_settings: Settings, crm_apps: dict[str, Any]) -> AsyncIterator[Runtime]:
    """A worker process's runtime (started by the test when it wants jobs to run)."""
    runtime = Runtime(queue_settings, crm_transport=HostRouter(crm_apps))
    yield runtime
    await runtime.stop()


async def job_rows(runtime: Runtime) -> list[tuple[str, str]]:
    async with runtime.db.engine.connect() as conn:
        rows = await conn.execute(text("SELECT task_name, status FROM procrastinate_jobs"))
        return [(name, status) for name, status in rows.all()]


def test_periods_are_cron_expressions_with_seconds() -> None:
    assert every(0.05) == "* * * * * */1"
    assert every(2) == "* * * * * */2"
    assert every(120) == "*/2 * * * *"


async def test_the_web_role_defers_and_a_worker_runs_the_pass(
    web: tuple[Runtime, httpx.AsyncClient],
    worker: Runtime,
    fake_slack: FakeSlack,
    ashby: AshbyState,
) -> None:
    runtime, http = web
    assert isinstance(runtime.runner, ProcrastinateRunner)
    user = SlackUser(http, fake_slack, SIGNING_SECRET)
    await connect_ashby(user, fake_slack)
    await send_events(http, [make_event(contact={"email": "q@acme.com", "first_name": "Q"})])
    assert ("tick", "todo") in await job_rows(runtime)
    assert ashby.calls["candidate.create"] == 0  # the web role never runs a pass

    await worker.start(clock=True)
    await eventually(lambda: candidates_with(ashby, "q@acme.com"), within=20)
    assert len(candidates_with(ashby, "q@acme.com")) == 1


async def test_a_job_is_queued_once_and_run_now_waits_for_it(
    web: tuple[Runtime, httpx.AsyncClient], worker: Runtime
) -> None:
    runtime, _ = web
    for _ in range(3):
        await runtime.runner.submit(jobs.sync_pass("T0001", 99))
    assert await job_rows(runtime) == [("sync_pass", "todo")]
    assert await runtime.runner.queue_depth() == {"todo": 1, "doing": 0}
    await worker.start(clock=True)
    await runtime.runner.run_now(jobs.sync_pass("T0001", 99))
    assert ("sync_pass", "todo") not in await job_rows(runtime)


async def test_a_killed_workers_job_is_run_by_another(
    web: tuple[Runtime, httpx.AsyncClient], worker: Runtime
) -> None:
    """A worker that stops sending heartbeats (killed) leaves its job 'doing', holding the
    connection's lock; recovery puts it back and a live worker runs it."""
    runtime, _ = web
    runner = runtime.runner
    assert isinstance(runner, ProcrastinateRunner)
    await runner.submit(jobs.sync_pass("T0001", 7))
    manager = runner.app.job_manager
    dead = await manager.register_worker()
    [job] = await manager.list_jobs_async(task="sync_pass", status="todo")
    async with runtime.db.engine.begin() as conn:
        await conn.execute(
            text("UPDATE procrastinate_jobs SET status = 'doing', worker_id = :w WHERE id = :id"),
            {"w": dead, "id": job.id},
        )
        await conn.execute(
            text(
                "UPDATE procrastinate_workers SET last_heartbeat = now() - interval '1 hour'"
                " WHERE id = :w"
            ),
            {"w": dead},
        )
    assert await runner.recover_stalled() == 1
    await worker.start(clock=True)
    await eventually(lambda: _finished(runtime, job.id), within=20)


async def _finished(runtime: Runtime, job_id: int) -> bool:
    async with runtime.db.engine.connect() as conn:
        status = await conn.scalar(
            text("SELECT status FROM procrastinate_jobs WHERE id = :id"), {"id": job_id}
        )
    return status in (None, "succeeded")
