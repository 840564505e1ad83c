"""Operating it: liveness, readiness (the database answers) and Prometheus metrics; the
roles that need a shared queue are refused on SQLite with the reason."""

from __future__ import annotations

import httpx
import pytest

from bot.app import Runtime, create_app
from bot.serve import RoleRefused, check_role
from bot.settings import Settings
from sandbox.ashby import AshbyState
from tests.conftest import SIGNING_SECRET
from tests.scenarios.conftest import connect_ashby, send_events
from tests.support.driver import SlackUser
from tests.support.fake_slack import FakeSlack
from tests.support.outreach import make_event
from tests.support.tasks import run_passes


async def test_readyz_checks_the_database(http: httpx.AsyncClient) -> None:
    answer = await http.get("/readyz")
    assert answer.status_code == 200
    assert answer.json() == {"ok": True, "database": "ok", "slack": "not used"}


async def test_readyz_is_503_while_the_database_is_down(settings: Settings) -> None:
    down = settings.model_copy(
        update={
            "database_url": "postgresql+psycopg://bot@127.0.0.1:9/none",
            "migrate_on_start": False,
        }
    )
    runtime = Runtime(down)
    transport = httpx.ASGITransport(app=create_app(runtime, clock=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as http:
        assert (await http.get("/healthz")).status_code == 200  # alive all the same
        answer = await http.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["ok"] is False and "unavailable" in answer.json()["database"]
    await runtime.db.dispose()


async def test_metrics_count_events_and_contacts_by_crm_and_state(
    http: httpx.AsyncClient, runtime: Runtime, fake_slack: FakeSlack, ashby: AshbyState
) -> None:
    await connect_ashby(SlackUser(http, fake_slack, SIGNING_SECRET), fake_slack)
    await send_events(http, [make_event(contact={"email": "m@acme.com", "first_name": "M"})])
    await run_passes(runtime)
    body = (await http.get("/metrics")).text
    assert 'crm_sync_contacts{crm="ashby",state="synced"} 1.0' in body
    assert 'crm_sync_events_total{result="accepted"}' in body
    assert 'crm_sync_pass_seconds_count{crm="ashby"}' in body
    assert "crm_sync_queue_jobs" in body and "crm_sync_oldest_unposted_alert_seconds" in body
    assert 'crm_sync_crm_requests_total{crm="Ashby",status="200"}' in body


@pytest.mark.parametrize("role", ["web", "worker"])
def test_splitting_roles_on_sqlite_is_refused_with_the_reason(
    settings: Settings, role: str
) -> None:
    sqlite = settings.model_copy(
        update={"database_url": "sqlite+aiosqlite:///x.db", "task_runner": "auto"}
    )
    with pytest.raises(RoleRefused, match="PostgreSQL"):
        check_role(sqlite, role)
    check_role(sqlite, "all")


class _Socket:
    def __init__(self, connected: bool):
        self.connected = connected

    async def is_connected(self) -> bool:
        return self.connected


class _Handler:
    def __init__(self, connected: bool):
        self.client = _Socket(connected)


@pytest.mark.parametrize(("connected", "status"), [(True, 200), (False, 503)])
async def test_readyz_in_socket_mode_needs_the_slack_socket(
    settings: Settings, connected: bool, status: int
) -> None:
    runtime = Runtime(settings.model_copy(update={"slack_app_token": "xapp-test"}))
    runtime.socket_mode = _Handler(connected)
    transport = httpx.ASGITransport(app=create_app(runtime, clock=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as http:
        answer = await http.get("/readyz")
    assert answer.status_code == status
    assert answer.json()["slack"] == ("ok" if connected else "not connected")
    await runtime.db.dispose()
