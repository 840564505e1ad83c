"""How many outreach events per second the app stores, as the outreach tool sends them.

The question a user asks: "our tool posts batches of 1,000 events; how fast are they stored, and
does anything get lost when several posters send at once?" So the app runs as it is deployed
(``python -m bot``, uvicorn on loopback, a fresh database each run), and posters send signed
batches of 1,000 over real HTTP, one poster and then four at once. Every batch should get a 202;
anything else is counted.

The yardstick is measured in the same run: the same batches verified, parsed, validated with the
product's own event model and stored (events, contacts, memberships) in one transaction per batch
with plain executemany inserts, without HTTP. That is the least work the endpoint could do; the
"of no-HTTP" column says how close the endpoint comes to it.

Also measured: checking 1,000 email addresses with email-validator and with the app's own check.

    .venv/bin/python -m bench.ingest                 # SQLite and PostgreSQL (when installed)
    .venv/bin/python -m bench.ingest --db sqlite --batches 20 --repeat 3
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import socket
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet

__all__ = ["main", "run"]

SECRET = "bench-outreach-secret"
BATCH = 1000
SEQUENCES = 5
TEAM, USER = "TBENCH", "UBENCH"
ROOT = Path(__file__).resolve().parent.parent


# --- what the posters send ------------------------------------------------------------------


def make_batches(count: int, tag: str) -> list[bytes]:
    """``count`` bodies of 1,000 events: 600 contacts added, then 400 email events (sent,
    opened, replied) for contacts of the batch before, as a tool reporting a day's work."""
    start = datetime(2026, 11, 1, tzinfo=UTC)
    bodies = []
    for b in range(count):
        added = [_event(tag, b, i, "contact.added", start) for i in range(600)]
        earlier = max(b - 1, 0)
        kinds = ["email.sent"] * 250 + ["email.opened"] * 100 + ["email.replied"] * 50
        emailed = [_event(tag, earlier, i, kind, start, b) for i, kind in enumerate(kinds)]
        bodies.append(json.dumps({"events": added + emailed}).encode())
    return bodies


def _event(
    tag: str, batch: int, i: int, kind: str, start: datetime, sent_in: int | None = None
) -> dict[str, Any]:
    person = batch * 600 + i
    event: dict[str, Any] = {
        "id": f"{tag}-{kind}-{person}-{sent_in if sent_in is not None else batch}",
        "type": kind,
        "occurred_at": (start + timedelta(seconds=person)).isoformat(),
        "team_id": TEAM,
        "user_id": USER,
        "sequence": {"id": f"seq-{person % SEQUENCES}", "name": f"Bench {person % SEQUENCES}"},
        "contact": {
            "email": f"person{person}.{tag}@bench-{person % 50}.example.com",
            "first_name": f"First{person}",
            "last_name": "Bench",
            "company": f"Company {person % 50}",
            "custom": {"source": "bench"},
        },
    }
    if kind.startswith("email."):
        event["message"] = {"subject": "Quick question", "snippet": "Hi, ..."}
    if kind == "email.replied":
        event["sentiment"] = "interested"
    return event


def sign(body: bytes) -> dict[str, str]:
    ts = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/json",
        "X-Outreach-Timestamp": ts,
        "X-Outreach-Signature": f"v1={digest}",
    }


# --- databases --------------------------------------------------------------------------------


def _migrate(url: str) -> None:
    from alembic import command

    from bot.storage.db import alembic_config

    # Alembic's env starts an event loop of its own: give it a thread.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(command.upgrade, alembic_config(url), "head").result()


@contextmanager
def sqlite_databases() -> Iterator[Any]:
    folder = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    template = folder / "template.db"
    _migrate(f"sqlite+aiosqlite:///{template}")

    def fresh() -> str:
        path = folder / f"{uuid.uuid4().hex[:8]}.db"
        path.write_bytes(template.read_bytes())
        return f"sqlite+aiosqlite:///{path}"

    yield fresh


@contextmanager
def postgres_databases() -> Iterator[Any]:
    from bot.settings import normalise_database_url
    from tests.support.postgres import create_database, postgres_server

    with postgres_server() as server:
        template = f"bench_template_{uuid.uuid4().hex[:8]}"
        _migrate(normalise_database_url(create_database(server, template)))

        def fresh() -> str:
            name = f"bench_{uuid.uuid4().hex[:8]}"
            return normalise_database_url(create_database(server, name, template))

        yield fresh


# --- the app as deployed ------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@asynccontextmanager
async def served_app(database_url: str) -> AsyncIterator[str]:
    """``python -m bot`` on a loopback port with its own database; yields its base URL."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "OUTREACH_WEBHOOK_SECRET": SECRET,
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "HOST": "127.0.0.1",
        "PORT": str(port),
    }
    with tempfile.TemporaryFile() as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=ROOT, env=env, stdout=log, stderr=log
        )
        base = f"http://127.0.0.1:{port}"
        try:
            await _wait_healthy(base, process, log)
            yield base
        finally:
            process.terminate()
            await asyncio.wait_for(process.wait(), 60)


async def _wait_healthy(base: str, process: asyncio.subprocess.Process, log: Any) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(600):
            if process.returncode is not None:
                log.seek(0)
                raise RuntimeError(f"the app exited:\n{log.read().decode()[-3000:]}")
            try:
                if (await client.get(f"{base}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("the app did not answer /healthz within 60 s")


# --- measurements ---------------------------------------------------------------------------


@dataclass
class Run:
    label: str
    events: int = 0
    seconds: float = 0.0
    outcomes: Counter[str] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


async def post_batches(base: str, bodies: list[bytes], posters: int) -> Run:
    """Send the bodies from ``posters`` concurrent clients; events stored per second."""
    run = Run(f"{posters} poster{'s' if posters > 1 else ''}")
    queue = list(reversed(bodies))

    async def poster(client: httpx.AsyncClient) -> None:
        while queue:
            body = queue.pop()
            try:
                response = await client.post(
                    f"{base}/outreach/events", content=body, headers=sign(body)
                )
            except httpx.TransportError as exc:
                run.outcomes[type(exc).__name__] += 1
                continue
            run.outcomes[str(response.status_code)] += 1
            if response.status_code == 202:
                run.events += response.json()["accepted"]

    limits = httpx.Limits(max_connections=posters)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(poster(client) for _ in range(posters)))
        run.seconds = time.perf_counter() - started
    return run


async def no_http(database_url: str, bodies: list[bytes]) -> Run:
    """The least work storing the batches takes: verify, parse, validate, three inserts."""
    from bot.services.events import OutreachEvent
    from bot.storage.db import Database

    db = Database(database_url)
    run = Run("no HTTP")
    started = time.perf_counter()
    for body in bodies:
        headers = sign(body)
        expected = hmac.new(
            SECRET.encode(), headers["X-Outreach-Timestamp"].encode() + b"." + body, hashlib.sha256
        ).hexdigest()
        assert hmac.compare_digest(f"v1={expected}", headers["X-Outreach-Signature"])
        events = [OutreachEvent.model_validate(item) for item in json.loads(body)["events"]]
        async with db.session() as session:
            await _store_plainly(session, events)
        run.events += len(events)
        run.outcomes["stored"] += 1
    run.seconds = time.perf_counter() - started
    await db.dispose()
    return run


async def _store_plainly(session: Any, events: list[Any]) -> None:
    from sqlalchemy import select

    from bot.storage import models as m

    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    now = datetime.now(UTC)
    await session.execute(
        insert(m.Workspace.__table__).on_conflict_do_nothing(),
        [{"id": TEAM, "name": None, "created_at": now}],
    )
    await session.execute(
        insert(m.OutreachEvent.__table__).on_conflict_do_nothing(),
        [
            {
                "id": e.id,
                "workspace_id": e.team_id,
                "type": e.type,
                "occurred_at": e.occurred_at,
                "received_at": now,
                "payload": e.model_dump(mode="json"),
            }
            for e in events
        ],
    )
    seq_rows = [
        {
            "workspace_id": TEAM,
            "external_id": f"seq-{i}",
            "name": f"Bench {i}",
            "owner_user_id": USER,
            "sync_disabled": False,
            "created_at": now,
        }
        for i in range(SEQUENCES)
    ]
    await session.execute(insert(m.Sequence.__table__).on_conflict_do_nothing(), seq_rows)
    contacts = {e.contact.email: e for e in events}
    await session.execute(
        insert(m.Contact.__table__).on_conflict_do_nothing(),
        [
            {
                "workspace_id": TEAM,
                "email": email,
                "first_name": e.contact.first_name,
                "last_name": e.contact.last_name,
                "company": e.contact.company,
                "custom": e.contact.custom,
            }
            for email, e in contacts.items()
        ],
    )
    seq_ids = dict((await session.execute(select(m.Sequence.external_id, m.Sequence.id))).all())
    contact_ids = dict(
        (
            await session.execute(
                select(m.Contact.email, m.Contact.id).where(m.Contact.email.in_(list(contacts)))
            )
        ).all()
    )
    pairs = {(seq_ids[e.sequence.id], contact_ids[e.contact.email]): e for e in events}
    await session.execute(
        insert(m.Membership.__table__).on_conflict_do_nothing(),
        [
            {
                "workspace_id": TEAM,
                "sequence_id": s,
                "contact_id": c,
                "added_at": e.occurred_at,
                "state": "added",
                "sync_state": "no_connection",
                "sync_attempts": 0,
                "backfill_activity": False,
            }
            for (s, c), e in pairs.items()
        ],
    )


def email_checks(bodies: list[bytes]) -> list[tuple[str, float]]:
    """Milliseconds to check 1,000 addresses: email-validator alone, and the app's check."""
    from pydantic.networks import validate_email

    emails = [item["contact"]["email"] for item in json.loads(bodies[0])["events"]]
    checks: list[tuple[str, Any]] = [("email-validator (pydantic EmailStr)", validate_email)]
    try:
        from bot.services.events import check_email

        checks.append(("the app's check (common-case fast path)", check_email))
    except ImportError:
        checks.append(("the app's check", None))
    results = []
    for name, check in checks:
        if check is None:
            results.append((name, float("nan")))
            continue
        times = []
        for _ in range(5):
            started = time.perf_counter()
            for email in emails:
                check(email)
            times.append(time.perf_counter() - started)
        results.append((name, min(times) * 1000))
    return results


# --- the run and its table --------------------------------------------------------------------


async def measure(kind: str, fresh: Any, batches: int, repeat: int) -> list[tuple[Run, Run]]:
    """(HTTP run, no-HTTP run of the same batches) for one and for four posters."""
    rows = []
    for posters in (1, 4):
        http_runs, floors = [], []
        for r in range(repeat):
            tag = f"{kind}{posters}r{r}{uuid.uuid4().hex[:6]}"
            bodies = make_batches(batches, tag)
            floors.append(await no_http(fresh(), bodies))
            async with served_app(fresh()) as base:
                http_runs.append(await post_batches(base, bodies, posters))
        rows.append((_median(http_runs), _median(floors)))
    return rows


def _median(runs: list[Run]) -> Run:
    """The run of median rate, with the answers of all runs."""
    median = sorted(runs, key=lambda run: run.rate)[len(runs) // 2]
    answers = sum((run.outcomes for run in runs), Counter())
    return Run(median.label, median.events, median.seconds, answers)


def table(results: dict[str, list[tuple[Run, Run]]], batches: int, repeat: int) -> str:
    lines = [
        f"Ingest: batches of {BATCH:,} signed events, {batches} batches per run, "
        f"median of {repeat} run(s)",
        "",
        "| database | posters | events/s over HTTP | no-HTTP events/s | of no-HTTP | answers |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    for kind, rows in results.items():
        for http_run, floor in rows:
            answers = ", ".join(f"{v} x {k}" for k, v in sorted(http_run.outcomes.items()))
            share = http_run.rate / floor.rate if floor.rate else 0.0
            lines.append(
                f"| {kind} | {http_run.label} | {http_run.rate:,.0f} | {floor.rate:,.0f} "
                f"| {share:.0%} | {answers} |"
            )
    return "\n".join(lines)


def email_table(rows: list[tuple[str, float]]) -> str:
    lines = ["| checking 1,000 email addresses | ms |", "| --- | ---: |"]
    lines += [f"| {name} | {ms:.1f} |" for name, ms in rows]
    return "\n".join(lines)


def _available(kind: str) -> bool:
    if kind == "sqlite":
        return True
    from tests.support.postgres import server_bindir

    return bool(os.environ.get("TEST_DATABASE_URL")) or server_bindir() is not None


async def run(kinds: list[str], batches: int, repeat: int) -> str:
    results: dict[str, list[tuple[Run, Run]]] = {}
    for kind in kinds:
        if not _available(kind):
            print(f"skipping {kind}: no PostgreSQL server binaries (make system-deps)")
            continue
        databases = sqlite_databases() if kind == "sqlite" else postgres_databases()
        with databases as fresh:
            results[kind] = await measure(kind, fresh, batches, repeat)
    return (
        table(results, batches, repeat)
        + "\n\n"
        + email_table(email_checks(make_batches(1, "email")))
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--batches", type=int, default=10, help="batches of 1,000 per run")
    parser.add_argument("--repeat", type=int, default=1, help="runs per row; the median shows")
    args = parser.parse_args(argv)
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    print(asyncio.run(run(kinds, args.batches, args.repeat)))


if __name__ == "__main__":
    main()
