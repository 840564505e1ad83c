"""Starting and stopping real processes: any number may migrate an empty database at once,
and a worker told to stop (SIGTERM) mid-pass takes no new job, finishes or gives back its
pass within the bound, says so, and exits cleanly; nothing is lost or done twice."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from alembic.script import ScriptDirectory

from bot.storage.db import alembic_config
from bot.storage.models import utcnow
from sandbox.ashby import create_app as ashby_app
from sandbox.kernel.limits import Latency
from sandbox.kernel.server import Server
from tests.conftest import OUTREACH_SECRET, SIGNING_SECRET, TEST_KEY
from tests.scenarios.conftest import opened_view
from tests.support.driver import SlackUser
from tests.support.emulators import ASHBY_KEY, SEEDS
from tests.support.fake_slack import FakeSlack
from tests.support.outreach import make_event, outreach_request
from tests.support.postgres import create_database
from tests.support.processes import BotProcess

pytestmark = pytest.mark.postgres_only


async def until(check, within: float) -> None:
    deadline = time.monotonic() + within
    while not check() and time.monotonic() < deadline:  # noqa: ASYNC110 - another process
        await asyncio.sleep(0.1)


@pytest.fixture
def empty_database(postgres_url: str) -> str:
    return create_database(postgres_url, f"life_{uuid.uuid4().hex[:10]}")


@pytest.fixture
def started() -> Iterator[list[BotProcess]]:
    processes: list[BotProcess] = []
    yield processes
    for process in processes:
        if process.alive:
            process.kill()


async def test_three_processes_migrate_an_empty_database_at_once(
    empty_database: str, tmp_path: Path, started: list[BotProcess]
) -> None:
    env = {"DATABASE_URL": empty_database, "ENCRYPTION_KEYS": TEST_KEY}
    migrators = [BotProcess(f"migrate{n}", "migrate", env, tmp_path) for n in range(3)]
    started.extend(migrators)
    for process in migrators:
        process.start()
    codes = await asyncio.gather(*(asyncio.to_thread(p.process.wait, 60) for p in migrators))
    assert codes == [0, 0, 0], [p.log() for p in migrators]
    with psycopg.connect(empty_database) as conn:
        [version] = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        assert version == ScriptDirectory.from_config(alembic_config("")).get_current_head()
        assert conn.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()[0]


async def test_sigterm_mid_pass_drains_within_the_bound_and_loses_nothing(
    empty_database: str, fake_slack: FakeSlack, tmp_path: Path, started: list[BotProcess]
) -> None:
    ashby = SEEDS["ashby"].new()
    ashby.latency = Latency(0.05)  # slow enough that a pass of 200 contacts is mid-way
    shutdown_seconds = 3
    async with Server(ashby_app(ashby)) as crm:
        env = {
            "DATABASE_URL": empty_database,
            "ENCRYPTION_KEYS": TEST_KEY,
            "SLACK_BOT_TOKEN": "xoxb-life",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake_slack.base_url,
            "OUTREACH_WEBHOOK_SECRET": OUTREACH_SECRET,
            "ASHBY_API_URL": crm.url,
            "SYNC_INTERVAL_SECONDS": "1",
            "WORKER_HEARTBEAT_SECONDS": "1",
            "WORKER_STALLED_SECONDS": "3",
            "WORKER_SHUTDOWN_SECONDS": str(shutdown_seconds),
        }
        web = BotProcess("web", "web", env, tmp_path)
        worker = BotProcess("worker", "worker", env, tmp_path)
        started.extend([web, worker])
        web.start()
        await web.ready()
        worker.start()
        await worker.ready()
        async with httpx.AsyncClient(base_url=web.url, timeout=30) as http:
            user = SlackUser(http, fake_slack, SIGNING_SECRET)
            await user.command("connect ashby")
            await user.submit(await opened_view(fake_slack, 1), {"API key": ASHBY_KEY})
            now = utcnow().isoformat()
            events = [
                make_event(contact={"email": f"d{i}@drain.example"}, occurred_at=now)
                for i in range(200)
            ]
            body, headers = outreach_request(OUTREACH_SECRET, events)
            assert (await http.post("/outreach/events", content=body, headers=headers)).is_success
            await until(lambda: len(ashby.candidates) >= 5, 60)

            asked = time.monotonic()
            code = await worker.terminate(within=shutdown_seconds + 20)
            took = time.monotonic() - asked
            assert code == 0, worker.log()[-3000:]
            assert took < shutdown_seconds + 10, f"took {took:.1f}s"
            log = worker.log()
            assert "stopping: no new jobs" in log and "stopped" in log
            assert "Traceback" not in log, log[-3000:]
            assert len(ashby.candidates) < 200  # it really was stopped mid-way

            replacement = BotProcess("worker2", "worker", env, tmp_path)
            started.append(replacement)
            replacement.start()
            await until(lambda: len(ashby.candidates) >= 200, 120)
    emails = [e.lower() for c in ashby.candidates.values() for e in c.email_values()]
    assert sorted(emails) == sorted(f"d{i}@drain.example" for i in range(200))
