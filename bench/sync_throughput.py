"""How fast one sync pass moves a sequence into a CRM, and how that compares with the CRM's
own limit, which is the real bound on sync speed.

Runs the real engine, storage and connector against the in-process emulator (no network,
so the CRM answers instantly) and prints:
  * contacts synced per second by our side alone,
  * CRM API calls per contact (find, create, job, activity),
  * the contacts per minute the CRM's limit allows at that call rate, and the headroom.
The limits are vendor facts or stated assumptions (see --rate-limit); nothing is asserted.

    .venv/bin/python -m bench.sync_throughput --contacts 2000
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from cryptography.fernet import Fernet

from bot.app import Runtime
from bot.services.connections import connect
from bot.services.events import OutreachEvent
from bot.services.ingest import ingest
from bot.settings import Settings
from sandbox.ashby import AshbyState
from sandbox.ashby import create_app as ashby_app
from tests.support.tasks import run_passes

TEAM, USER = "TBENCH", "UBENCH"


@dataclass(frozen=True)
class Target:
    """One CRM under test: its emulator, credentials and the published (or assumed) limit."""

    kind: str
    settings: dict[str, object]
    credentials: dict[str, str]
    calls_per_minute: float
    limit_source: str


def ashby_target(rate_limit: float) -> tuple[Target, httpx.AsyncBaseTransport, AshbyState]:
    state = AshbyState()
    state.add_api_key("bench-key")
    job = state.add_job("Staff Engineer")
    target = Target(
        kind="ashby",
        settings={"ashby_api_url": "https://api.ashbyhq.bench"},
        credentials={"api_key": "bench-key"},
        calls_per_minute=rate_limit,
        limit_source="Ashby publishes no number; per-key limit assumed (--rate-limit)",
    )
    state.bench_job_id = job.id  # type: ignore[attr-defined]
    return target, httpx.ASGITransport(app=ashby_app(state)), state


def events(count: int, start: datetime) -> list[OutreachEvent]:
    made = []
    for i in range(count):
        base = {
            "team_id": TEAM,
            "user_id": USER,
            "sequence": {"id": "bench-seq", "name": "Bench sequence"},
            "contact": {"email": f"person{i}@bench.example", "first_name": f"P{i}"},
        }
        added = start + timedelta(seconds=i)
        made.append(OutreachEvent(id=f"add-{i}", type="contact.added", occurred_at=added, **base))
        made.append(
            OutreachEvent(
                id=f"sent-{i}",
                type="email.sent",
                occurred_at=added + timedelta(minutes=1),
                message={"subject": "Hello", "snippet": "Hi there"},
                **base,
            )
        )
    return made


async def run(contacts: int, rate_limit: float) -> None:
    target, transport, state = ashby_target(rate_limit)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            _env_file=None,
            database_url=f"sqlite:///{Path(tmp) / 'bench.db'}",
            encryption_keys=Fernet.generate_key().decode(),
            crm_retry_wait_seconds=0,
            **target.settings,
        )
        runtime = Runtime(settings, crm_transport=transport)
        await runtime.start(clock=False)
        try:
            await connect(runtime, TEAM, USER, target.kind, target.credentials)
            await set_default_job(runtime, state.bench_job_id)  # type: ignore[attr-defined]
            await ingest(runtime.db, events(contacts, datetime.now(UTC)))
            state.reset_calls()
            started = time.perf_counter()
            await run_passes(runtime, TEAM, await connection_id(runtime))
            elapsed = time.perf_counter() - started
        finally:
            await runtime.stop()
    report(target, contacts, elapsed, sum(state.calls.values()), dict(state.calls))


async def set_default_job(runtime: Runtime, job_id: str) -> None:
    from bot.storage.repos import Repo

    async with runtime.db.session() as session:
        conn = await Repo(session, TEAM).connection_for(USER)
        conn.default_job_id = job_id


async def connection_id(runtime: Runtime) -> int:
    from bot.storage.repos import Repo

    async with runtime.db.session() as session:
        return (await Repo(session, TEAM).connection_for(USER)).id


def report(target: Target, contacts: int, elapsed: float, calls: int, by_method: dict) -> None:
    per_contact = calls / contacts
    ours = contacts / elapsed * 60
    allowed = target.calls_per_minute / per_contact
    print(f"crm: {target.kind}   contacts: {contacts}   pass: {elapsed:.2f} s")
    print(f"our side: {contacts / elapsed:,.0f} contacts/s ({ours:,.0f}/min)")
    print(f"API calls: {calls} = {per_contact:.2f} per contact   {by_method}")
    print(f"bound: {target.calls_per_minute:,.0f} calls/min ({target.limit_source})")
    print(f"  -> the CRM allows {allowed:,.0f} contacts/min; we run {ours / allowed:,.1f}x that,")
    print("     so sync speed is set by the CRM's limit, not by this process.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1000)
    parser.add_argument(
        "--rate-limit", type=float, default=300.0, help="CRM calls per minute to compare against"
    )
    args = parser.parse_args()
    asyncio.run(run(args.contacts, args.rate_limit))


if __name__ == "__main__":
    main()
