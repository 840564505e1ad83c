"""A fleet on real processes: one web and three workers started together on an empty
PostgreSQL database; 2,000 contacts with email activity through the signed events API across
Ashby, Recruiterflow and Salesforce (emulators served over HTTP); one worker SIGKILLed twice
mid-way and restarted. Every contact ends up exactly once in its CRM, every activity is
written once, every alert is posted once, and no process crashed."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx
import pytest

from bot.storage.models import utcnow
from sandbox.ashby import AshbyState
from sandbox.ashby import create_app as ashby_app
from sandbox.kernel.server import Server, bind, socket_url
from sandbox.recruiterflow import RecruiterflowState
from sandbox.recruiterflow import create_app as recruiterflow_app
from sandbox.salesforce import SalesforceState
from sandbox.salesforce import create_app as salesforce_app
from tests.conftest import OUTREACH_SECRET, SIGNING_SECRET, TEST_KEY
from tests.scenarios.conftest import opened_view
from tests.support.driver import SlackUser
from tests.support.emulators import ASHBY_KEY, RF_KEY
from tests.support.fake_slack import FakeSlack
from tests.support.outreach import make_event, outreach_request
from tests.support.postgres import create_database
from tests.support.processes import BotProcess
from tests.support.salesforce_login import (
    CLIENT_ID,
    CLIENT_SECRET,
    PASSWORD,
    USERNAME,
    LoginForm,
    login_button_url,
)

pytestmark = pytest.mark.postgres_only

CONTACTS = 2000
EXISTING = 10  # per CRM: already there, so flagged "Exists in" and alerted once
BATCH = 500
USERS = {"ashby": "U0ASHBY", "recruiterflow": "U0RFLOW", "salesforce": "U0SFORCE"}
FINISH_SECONDS = 480


def email_of(i: int) -> str:
    return f"person{i:04d}@fleet.example"


def crm_of(i: int) -> str:
    return list(USERS)[i % len(USERS)]


class Emulators:
    def __init__(self) -> None:
        self.ashby = AshbyState()
        self.ashby.add_api_key(ASHBY_KEY)
        self.recruiterflow = RecruiterflowState()
        self.recruiterflow.add_api_key(RF_KEY)
        self.sockets = {name: bind() for name in ("ashby", "recruiterflow", "salesforce")}
        self.urls = {name: socket_url(sock) for name, sock in self.sockets.items()}
        self.salesforce = SalesforceState(login_url=self.urls["salesforce"])

    def seed(self, callback_url: str) -> dict[str, list[str]]:
        self.salesforce.oauth.add_client(CLIENT_ID, CLIENT_SECRET, [callback_url])
        self.salesforce.oauth.add_user(USERNAME, PASSWORD, self.urls["salesforce"])
        existing: dict[str, list[str]] = {crm: [] for crm in USERS}
        for i in range(CONTACTS):
            crm = crm_of(i)
            if len(existing[crm]) < EXISTING and i % 7 == 3:
                existing[crm].append(email_of(i))
        for email in existing["ashby"]:
            self.ashby.add_candidate("Known Person", email)
        for email in existing["recruiterflow"]:
            self.recruiterflow.add_candidate("Known", "Person", email)
        for email in existing["salesforce"]:
            self.salesforce.add_lead(email, "Person")
        return existing

    def apps(self) -> dict[str, Any]:
        return {
            "ashby": ashby_app(self.ashby),
            "recruiterflow": recruiterflow_app(self.recruiterflow),
            "salesforce": salesforce_app(self.salesforce),
        }

    # what each CRM holds ------------------------------------------------------------------

    def records(self, crm: str) -> Counter[str]:
        """How many person records hold each email."""
        emails: list[str] = []
        if crm == "ashby":
            for candidate in self.ashby.candidates.values():
                emails += [e.lower() for e in candidate.email_values()]
        elif crm == "recruiterflow":
            for person in self.recruiterflow.people.values():
                emails += [e.lower() for e in person.emails]
        else:
            for sobject in ("Lead", "Contact"):
                for record in self.salesforce.records[sobject].values():
                    emails += [str(record.get("Email") or "").lower()]
        return Counter(emails)

    def activities(self, crm: str) -> Counter[str]:
        """How many activities each person record got (by record id)."""
        if crm == "ashby":
            return Counter(note.candidate_id for note in self.ashby.notes.values())
        if crm == "recruiterflow":
            return Counter(str(a.entity_id) for a in self.recruiterflow.activities)
        return Counter(str(t.get("WhoId")) for t in self.salesforce.records["Task"].values())


@pytest.fixture
def fleet_database(postgres_url: str) -> str:
    """An empty database: no migrations, no template. The processes migrate it themselves."""
    return create_database(postgres_url, f"fleet_{uuid.uuid4().hex[:10]}")


@pytest.fixture
async def emulators() -> AsyncIterator[Emulators]:
    crms = Emulators()
    apps = crms.apps()
    servers = [Server(apps[name], sock) for name, sock in crms.sockets.items()]
    for server in servers:
        await server.__aenter__()
    yield crms
    for server in servers:
        await server.__aexit__(None, None, None)


def fleet_env(database_url: str, slack: FakeSlack, crms: Emulators) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-fleet",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.base_url,
        "OUTREACH_WEBHOOK_SECRET": OUTREACH_SECRET,
        "ENCRYPTION_KEYS": TEST_KEY,
        "ASHBY_API_URL": crms.urls["ashby"],
        "RECRUITERFLOW_API_URL": crms.urls["recruiterflow"],
        "SALESFORCE_LOGIN_URL": crms.urls["salesforce"],
        "SALESFORCE_CLIENT_ID": CLIENT_ID,
        "SALESFORCE_CLIENT_SECRET": CLIENT_SECRET,
        "CRM_RETRY_WAIT_SECONDS": "0.2",
        "SYNC_INTERVAL_SECONDS": "1",
        "WORKER_HEARTBEAT_SECONDS": "1",
        "WORKER_STALLED_SECONDS": "4",
        "WORKER_SHUTDOWN_SECONDS": "10",
    }


async def connect_all(web: BotProcess, slack: FakeSlack, http: httpx.AsyncClient) -> None:
    for crm, answers in (("ashby", {"API key": ASHBY_KEY}), ("recruiterflow", {"API key": RF_KEY})):
        user = SlackUser(http, slack, SIGNING_SECRET, user_id=USERS[crm])
        before = len(slack.views)
        await user.command(f"connect {crm}")
        result = await user.submit(await opened_view(slack, before + 1), answers)
        assert "errors" not in result, result
    user = SlackUser(http, slack, SIGNING_SECRET, user_id=USERS["salesforce"])
    start = await login_button_url(user, slack)
    to_salesforce = await http.get(start)
    assert to_salesforce.status_code == 302, to_salesforce.text
    authorize = to_salesforce.headers["location"]
    page = await http.get(authorize)
    form = LoginForm.parse(page.text)
    answer = await http.post(
        urljoin(authorize, form.action or authorize), data=form.fill(USERNAME, PASSWORD, "Allow")
    )
    back = await http.get(answer.headers["location"])
    assert back.status_code == 200, back.text


def events_for(indexes: range) -> list[dict[str, Any]]:
    # Stamped to the microsecond: activity from before a connection is (rightly) never
    # pushed, and a second-rounded stamp can fall just before it.
    now = utcnow().isoformat()
    events = []
    for i in indexes:
        crm = crm_of(i)
        who = {
            "user_id": USERS[crm],
            "sequence": {"id": f"seq-{crm}", "name": f"Fleet {crm}"},
            "contact": {"email": email_of(i), "first_name": f"P{i}", "last_name": "Fleet"},
        }
        events.append(make_event(id=f"add-{i}", occurred_at=now, **who))
        events.append(make_event(id=f"sent-{i}", type="email.sent", occurred_at=now, **who))
    return events


async def post_events(http: httpx.AsyncClient, web: BotProcess, events: list[dict]) -> None:
    for start in range(0, len(events), BATCH):
        body, headers = outreach_request(OUTREACH_SECRET, events[start : start + BATCH])
        answer = await http.post(f"{web.url}/outreach/events", content=body, headers=headers)
        assert answer.status_code == 202, answer.text


def exists_alerts(slack: FakeSlack) -> list[dict]:
    return [m for m in slack.messages.values() if "Exists in" in m.get("text", "")]


async def until(check, within: float, what: str, state=lambda: "") -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not reached in {within}s: {what} {state()}")
        await asyncio.sleep(0.5)


@pytest.fixture
def started() -> Iterator[list[BotProcess]]:
    """Every process the test starts; whatever is still running at the end is killed."""
    processes: list[BotProcess] = []
    yield processes
    for process in processes:
        if process.alive:
            process.kill()


async def test_a_fleet_syncs_every_contact_exactly_once_through_two_kills(
    fake_slack: FakeSlack,
    fleet_database: str,
    emulators: Emulators,
    tmp_path: Path,
    started: list[BotProcess],
) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()

    def launch(name: str, role: str) -> BotProcess:
        process = BotProcess(name, role, env, logs)
        started.append(process)
        return process

    env: dict[str, str] = {}
    web = launch("web", "web")
    existing = emulators.seed(f"{web.url}/oauth/salesforce/callback")
    env.update(fleet_env(fleet_database, fake_slack, emulators), PUBLIC_URL=web.url)
    web.env.update(env)
    workers = [launch(f"worker{n}", "worker") for n in range(3)]
    for process in (web, *workers):  # all at once, on an empty database
        process.start()
    await asyncio.gather(*(p.ready() for p in (web, *workers)))

    async with httpx.AsyncClient(base_url=web.url, timeout=30) as http:
        await connect_all(web, fake_slack, http)
        half = CONTACTS // 2
        await post_events(http, web, events_for(range(half)))
        await until(lambda: sum(emulators.records("ashby").values()) > 150, 120, "first syncs")
        workers[0].kill()
        workers[0] = launch("worker0", "worker").start()
        await post_events(http, web, events_for(range(half, CONTACTS)))
        await until(lambda: sum(emulators.records("ashby").values()) > 450, 180, "more syncs")
        workers[0].kill()
        workers[0] = launch("worker0", "worker").start()

        expected = {
            crm: {email_of(i) for i in range(CONTACTS) if crm_of(i) == crm} for crm in USERS
        }
        flagged = sum(len(v) for v in existing.values())

        def finished() -> bool:
            synced = all(
                set(emulators.records(crm)) >= expected[crm]
                and sum(emulators.activities(crm).values()) >= len(expected[crm]) - EXISTING
                for crm in USERS
            )
            return synced and len(exists_alerts(fake_slack)) >= flagged

        def state() -> dict[str, Any]:
            return {
                crm: {
                    "missing": len(expected[crm] - set(emulators.records(crm))),
                    "activities": sum(emulators.activities(crm).values()),
                }
                for crm in USERS
            } | {"alerts": len(exists_alerts(fake_slack)), "flagged": flagged}

        await until(finished, FINISH_SECONDS, "every contact, activity and alert", state)
        await asyncio.sleep(3)  # anything late and extra would show now

    for crm in USERS:
        records = emulators.records(crm)
        assert {e: n for e, n in records.items() if e in expected[crm] and n != 1} == {}, crm
        per_record = emulators.activities(crm)
        assert all(n == 1 for n in per_record.values()), f"{crm}: an activity written twice"
        assert len(per_record) == len(expected[crm]) - EXISTING, crm
    alert_ids = [m["metadata"]["event_payload"]["alert_id"] for m in exists_alerts(fake_slack)]
    assert len(alert_ids) == flagged and len(set(alert_ids)) == flagged

    for process in (web, *workers):
        assert process.alive, f"{process.name} died: {process.log()[-3000:]}"
        assert await process.terminate() == 0, process.log()[-3000:]
    for process in (web, *workers):
        log = process.log()
        assert "Traceback" not in log, f"{process.name}: {log[-5000:]}"
        assert " ERROR " not in log, f"{process.name}: {log[-5000:]}"
        if process.role == "worker":
            assert "stopping: no new jobs" in log and "stopped" in log
