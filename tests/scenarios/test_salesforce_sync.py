"""A whole sequence synced into the Salesforce emulator: signed outreach events bring 500
contacts, some already Leads and some already Contacts; the real engine finds before it
creates, writes each email once as a Task, and uses the fewest API calls the batching allows."""

from __future__ import annotations

import math
from collections import Counter

import httpx
import pytest
from sqlalchemy import select

from bot import jobs
from bot.app import Runtime
from bot.storage import models as m
from bot.storage.models import SyncState, utcnow
from bot.views.reasons import reason_text
from sandbox.salesforce import SalesforceState
from tests.conftest import TEAM
from tests.scenarios.conftest import membership_of, send_events
from tests.scenarios.matrix.recruiter import Recruiter
from tests.support.blockkit import assert_valid_message
from tests.support.outreach import OMIT, make_event
from tests.support.tasks import run_passes

SEQUENCE = {"id": "seq-sf", "name": "Enterprise AEs Q4"}
CONNECTION = 1  # the teammate's, made through Slack
# Fields the event helper fills in by default; email events here name the contact only.
CONTACT_DEFAULTS = (
    "first_name",
    "last_name",
    "title",
    "company",
    "phone",
    "linkedin_url",
    "location",
    "custom",
)


def added(email: str, index: int, seq: dict[str, str] = SEQUENCE) -> dict:
    return make_event(
        occurred_at=utcnow().isoformat(),
        sequence=seq,
        contact={
            "email": email,
            "first_name": f"First{index}",
            "last_name": f"Last{index}",
            "company": "Globex" if index % 2 else None,
            "title": "Account Executive",
        },
    )


def sent(email: str, seq: dict[str, str] = SEQUENCE) -> dict:
    return make_event(
        type="email.sent",
        occurred_at=utcnow().isoformat(),
        sequence=seq,
        contact={"email": email, **dict.fromkeys(CONTACT_DEFAULTS, OMIT)},
        message={"subject": "Quick question", "snippet": f"Hi, a note for {email}"},
    )


@pytest.fixture
def crm() -> str:
    return "salesforce"


async def connect_salesforce(me: Recruiter) -> None:
    """Log in on Salesforce's pages from /crm connect, then settings: no duplicate warning
    step (rule 5 alone prevents duplicates), activity tracking on."""
    assert (await me.connect()).status_code == 200
    await me.settings({"Options": ["activity"]})


async def states(runtime: Runtime) -> Counter[str]:
    async with runtime.db.session() as session:
        rows = await session.scalars(select(m.Membership.sync_state))
        return Counter(rows.all())


async def test_a_500_contact_sequence_syncs_with_the_fewest_calls_and_no_duplicates(
    runtime: Runtime, salesforce: SalesforceState, http: httpx.AsyncClient, me: Recruiter
) -> None:
    emails = [f"person{i:03d}@prospect{i % 7}.example" for i in range(500)]
    existing: dict[str, tuple[str, str]] = {}
    for i, email in enumerate(emails):
        if i % 5 == 1:  # 100 already Leads, stored with other casing
            existing[email] = ("Lead", salesforce.add_lead(email.upper(), f"Last{i}"))
        elif i % 5 == 3:  # 100 already Contacts
            existing[email] = ("Contact", salesforce.add_contact(email, f"Last{i}"))
    converted_to = existing[emails[3]][1]  # a converted Lead of a Contact is not linked to
    salesforce.add_lead(emails[3], "Last3", converted_to=converted_to)
    await connect_salesforce(me)
    salesforce.reset_calls()

    events = [added(e, i) for i, e in enumerate(emails)] + [sent(e) for e in emails]
    answer = await send_events(http, events)
    assert (answer["accepted"], answer["rejected"]) == (1000, [])
    await run_passes(runtime, TEAM, CONNECTION)

    assert await states(runtime) == {SyncState.SYNCED: 500}
    # One person per email across Leads and Contacts; existing ones linked, not created.
    created = 0
    for email in emails:
        live = [
            p
            for p in salesforce.people_with_email(email)
            if not (p[0] == "Lead" and salesforce.records["Lead"][p[1]].get("IsConverted"))
        ]
        assert len(live) == 1, (email, live)
        if email in existing:
            assert live[0] == existing[email]
        else:
            assert live[0][0] == "Lead"  # the default sync-as
            created += 1
    assert created == 300
    lead = salesforce.records["Lead"][salesforce.people_with_email(emails[0])[0][1]]
    assert (lead["FirstName"], lead["LastName"], lead["Company"]) == (
        "First0",
        "Last0",
        "[not provided]",
    )
    async with runtime.db.session() as session:
        links = (await session.scalars(select(m.SyncLink))).all()
    assert len(links) == 500
    assert sum(1 for link in links if link.created_in_crm) == 300

    # Each email written once, as a completed email Task on the linked person.
    tasks = list(salesforce.records["Task"].values())
    assert len(tasks) == 500
    assert Counter(t["WhoId"] for t in tasks).most_common(1)[0][1] == 1
    assert {(t["TaskSubtype"], t["Status"]) for t in tasks} == {("Email", "Completed")}
    assert {t["WhoId"] for t in tasks} == {link.crm_record_id for link in links}

    # The fewest calls: two SOQL queries (Leads, Contacts) per 200 emails, one Collections
    # call per 200 new records, and one per 200 Tasks.
    lookups = 2 * math.ceil(len(emails) / 200)
    collections = math.ceil(created / 200) + math.ceil(len(tasks) / 200)
    assert salesforce.calls == {"query": lookups, "composite/sobjects": collections}
    assert (lookups, collections) == (6, 2 + 3)
    assert all(call.status in (200, 201) for call in salesforce.log)

    # Replays and another pass change nothing and call nothing.
    assert (await send_events(http, events))["duplicates"] == 1000
    await run_passes(runtime, TEAM, CONNECTION)
    assert sum(salesforce.calls.values()) == lookups + collections
    assert len(salesforce.records["Task"]) == 500


async def test_revoked_access_pauses_and_asks_to_reconnect(
    runtime: Runtime, salesforce: SalesforceState, http: httpx.AsyncClient, me: Recruiter
) -> None:
    await connect_salesforce(me)
    for token in salesforce.oauth.active_refresh_tokens():
        salesforce.oauth.revoke_refresh_token(token)
    await send_events(http, [added("jane@acme.example", 1)])
    await run_passes(runtime, TEAM, CONNECTION)
    async with runtime.db.session() as session:
        conn = await session.get(m.Connection, CONNECTION)
        alerts = (await session.scalars(select(m.Alert))).all()
    assert conn.status == "needs_reauth"
    assert "reconnect" in reason_text(conn.status_reason).lower()
    assert [a.kind for a in alerts] == ["reauth"]
    jane = await membership_of(runtime, "jane@acme.example", "seq-sf")
    assert jane.sync_state == SyncState.PENDING  # kept, not failed
    assert salesforce.people_with_email("jane@acme.example") == []


async def test_used_up_api_allowance_pauses_the_connection_without_failing_contacts(
    runtime: Runtime, salesforce: SalesforceState, http: httpx.AsyncClient, me: Recruiter
) -> None:
    await connect_salesforce(me)
    salesforce.reset_calls()
    salesforce.set_api_usage(15_000, limit=15_000)
    await send_events(http, [added("jane@acme.example", 1)])
    await run_passes(runtime, TEAM, CONNECTION)
    async with runtime.db.session() as session:
        conn = await session.get(m.Connection, CONNECTION)
    assert conn.status == "active"
    assert conn.paused_until is not None and conn.paused_until > utcnow()
    assert "daily API allowance" in reason_text(conn.status_reason)
    jane = await membership_of(runtime, "jane@acme.example", "seq-sf")
    assert jane.sync_state == SyncState.PENDING
    assert [c.status for c in salesforce.log] == [403]

    # The teammate is told once, in a DM, that syncing waits for the allowance.
    await runtime.runner.submit(jobs.post_alerts())
    await runtime.runner.drain()
    [dm] = [c.args for c in me.sent("paused")]
    assert dm["channel"] == "DU0001"
    assert "paused" in dm["text"] and "nothing is lost" in dm["text"]
    assert "daily API allowance" in str(dm["blocks"])
    assert_valid_message(dm["blocks"], dm["text"])
    await run_passes(runtime, TEAM, CONNECTION)  # still paused: no call, no second DM
    await runtime.runner.submit(jobs.post_alerts())
    await runtime.runner.drain()
    assert len(me.sent("paused")) == 1
    assert len(salesforce.log) == 1
