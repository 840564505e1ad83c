"""Crelate end to end through signed Slack requests and outreach events: connecting, the
settings modal, syncing with jobs and activities, status advance and list import."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.app import Runtime
from bot.storage import models as m
from bot.storage.models import SyncState, utcnow
from sandbox.crelate import CrelateState
from tests.conftest import eventually
from tests.scenarios.conftest import connect_ashby, membership_of, opened_view, send_events
from tests.support.blockkit import assert_valid_message
from tests.support.driver import SlackUser
from tests.support.emulators import CRELATE_KEY
from tests.support.fake_slack import FakeSlack
from tests.support.outreach import make_event

STATUS_NAMES = ["Messaged", "Replied", "Interested", "Not Interested"]


class Clock:
    """Event times after the connection was made, strictly increasing."""

    def __init__(self) -> None:
        self.now = utcnow() + timedelta(seconds=1)

    def next(self) -> str:
        self.now += timedelta(milliseconds=10)
        return self.now.isoformat()


@pytest.fixture
def times() -> Clock:
    return Clock()


def added(times: Clock, email: str, first: str, seq: str = "seq-42") -> dict[str, Any]:
    return make_event(
        occurred_at=times.next(),
        contact={"email": email, "first_name": first, "last_name": "Doe"},
        sequence={"id": seq, "name": f"Sequence {seq}"},
    )


def email_event(
    times: Clock, kind: str, email: str, seq: str = "seq-42", sentiment: str | None = None
) -> dict[str, Any]:
    return make_event(
        type=f"email.{kind}",
        occurred_at=times.next(),
        contact={"email": email},
        sequence={"id": seq, "name": f"Sequence {seq}"},
        sentiment=sentiment,
    )


async def connect_crelate(
    user: SlackUser, slack: FakeSlack, key: str = CRELATE_KEY
) -> dict[str, Any]:
    before = len(slack.views)
    await user.command("connect crelate")
    view = await opened_view(slack, before + 1)
    return await user.submit(view, {"API key": key})


async def open_settings(user: SlackUser, slack: FakeSlack) -> dict[str, Any]:
    before = len(slack.views)
    await user.command("settings")
    return await opened_view(slack, before + 1)


def job_answer(job: dict[str, Any]) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": job["Name"]}, "value": job["Id"]}


async def configure(user: SlackUser, slack: FakeSlack, answers: dict[str, Any]) -> None:
    await user.submit(await open_settings(user, slack), answers)


async def connection(runtime: Runtime) -> m.Connection:
    async with runtime.db.session() as session:
        return await session.scalar(select(m.Connection))


async def synced(runtime: Runtime, email: str, seq: str = "seq-42") -> bool:
    membership = await membership_of(runtime, email, seq)
    return membership is not None and membership.sync_state == SyncState.SYNCED


async def settle(runtime: Runtime) -> None:
    """Run every due pass to the end (the scheduler is not started in these tests)."""
    for _ in range(3):
        await runtime.clock.tick()
        await runtime.runner.drain()


# --- connect and settings ---------------------------------------------------------------------


async def test_connect_refuses_a_bad_key_inline_and_accepts_a_good_one(
    user: SlackUser, fake_slack: FakeSlack, runtime: Runtime, crelate: CrelateState
) -> None:
    await user.command("connect crelate")
    view = await opened_view(fake_slack, 1)
    [field] = [b for b in view["blocks"] if b["type"] == "input"]
    assert field["label"]["text"] == "API key"
    assert "owner" in str(view)  # the hint says records are logged under the key's owner

    bad = await user.submit(view, {"API key": "not-my-key"})
    assert bad["response_action"] == "errors"
    [message] = bad["errors"].values()
    assert "Crelate rejected the API key" in message and "not-my-key" not in str(bad)
    assert await connection(runtime) is None

    good = await user.submit(view, {"API key": CRELATE_KEY})
    assert good["response_action"] == "update"
    assert "Connected to *Crelate*" in str(good["view"])
    conn = await connection(runtime)
    assert (conn.kind, conn.status, conn.identity) == (
        "crelate",
        "active",
        "Crelate user Sam Recruiter",
    )
    assert CRELATE_KEY not in conn.credentials


async def test_settings_offer_crelate_types_jobs_and_status_advance(
    user: SlackUser, fake_slack: FakeSlack, runtime: Runtime, crelate: CrelateState
) -> None:
    job = crelate.add_job("Senior Backend Engineer")
    crelate.add_job("Closed role", closed=True)
    await connect_crelate(user, fake_slack)

    view = await open_settings(user, fake_slack)
    inputs = {b["label"]["text"]: b for b in view["blocks"] if b["type"] == "input"}
    assert list(inputs) == ["Sync contacts", "Sync as", "Options", "Default job", "Alert channel"]
    sync_as = [o["value"] for o in inputs["Sync as"]["element"]["options"]]
    assert sync_as == ["Candidate", "Sales/Client Contact", "Lead Contact", "Employee"]
    toggles = [o["value"] for o in inputs["Options"]["element"]["options"]]
    assert toggles == ["dedup", "activity", "status_advance"]
    jobs = (await user.suggest(view, "job_select", "default_job", ""))["options"]
    assert [o["text"]["text"] for o in jobs] == ["Senior Backend Engineer"]

    await user.submit(
        view,
        {
            "Sync contacts": "on_add",
            "Sync as": "Lead Contact",
            "Options": ["activity", "status_advance"],
            "Default job": job_answer(job),
        },
    )
    conn = await connection(runtime)
    assert (conn.sync_as, conn.status_advance, conn.dedup_enabled) == ("Lead Contact", True, False)
    assert conn.default_job_id == job["Id"]
    reopened = await open_settings(user, fake_slack)
    options = next(b for b in reopened["blocks"] if b.get("block_id") == "options")
    assert [o["value"] for o in options["element"]["initial_options"]] == [
        "activity",
        "status_advance",
    ]

    # A CRM without statuses does not offer status advance.
    await connect_ashby(user, fake_slack)
    ashby_view = await open_settings(user, fake_slack)
    ashby_options = next(b for b in ashby_view["blocks"] if b.get("block_id") == "options")
    assert "status_advance" not in str(ashby_options)


# --- syncing ----------------------------------------------------------------------------------


@pytest.fixture
async def connected(
    user: SlackUser, fake_slack: FakeSlack, crelate: CrelateState
) -> dict[str, Any]:
    """Crelate connected, dedup off, activity on, status advance on, a default job."""
    crelate.set_statuses(["Sourced", *STATUS_NAMES])
    job = crelate.add_job("Senior Backend Engineer")
    await connect_crelate(user, fake_slack)
    await configure(
        user,
        fake_slack,
        {"Options": ["activity", "status_advance"], "Default job": job_answer(job)},
    )
    return job


async def test_contacts_sync_with_jobs_and_activities_once(
    user: SlackUser,
    fake_slack: FakeSlack,
    runtime: Runtime,
    crelate: CrelateState,
    http: httpx.AsyncClient,
    connected: dict[str, Any],
    times: Clock,
) -> None:
    default_job = connected
    crelate.set_statuses(["Sourced"])  # no status names: this test is about sync only
    sequence_job = crelate.add_job("Account Executive")
    owner = crelate.users[CRELATE_KEY]
    bob = crelate.add_contact("Bob", "Existing", "bob@acme.com", record_type=2)
    await send_events(http, [added(times, "jane@acme.com", "Jane"), added(times, "x@y.co", "X")])
    await send_events(http, [added(times, "Bob@Acme.com", "Bob", seq="seq-7")])
    before = len(fake_slack.views)
    await user.command("sequence seq-7")  # Bob's sequence picks its own job before he syncs
    await user.submit(await opened_view(fake_slack, before + 1), {"Job": job_answer(sequence_job)})
    events = [
        email_event(times, "sent", "jane@acme.com"),
        email_event(times, "replied", "jane@acme.com", sentiment="interested"),
    ]
    await send_events(http, events)
    await settle(runtime)

    assert await synced(runtime, "jane@acme.com") and await synced(runtime, "bob@acme.com", "seq-7")
    [jane] = crelate.contacts_with_email("jane@acme.com")
    assert jane["RecordType"] == 1 and jane["Owners"][0]["Id"] == owner.id
    assert crelate.jobs_of(jane["Id"]) == [default_job["Id"]]
    # Bob already existed: linked, not created, and put on his sequence's own job.
    assert crelate.contacts_with_email("bob@acme.com") == [bob]
    assert crelate.jobs_of(bob["Id"]) == [sequence_job["Id"]]
    assert crelate.stage_names(sequence_job["Id"], bob["Id"]) == ["Sourced"]
    activities = crelate.activities_of(jane["Id"])
    assert [a["Subject"] for a in activities] == [
        "Email sent: Quick question",
        "Replied: Quick question",
    ]
    assert all(a["VerbId"]["Title"] == "Email" for a in activities)

    calls = sum(crelate.calls.values())
    assert (await send_events(http, events))["duplicates"] == 2
    await settle(runtime)
    assert len(crelate.activities_of(jane["Id"])) == 2
    assert sum(crelate.calls.values()) == calls


async def test_status_advance_follows_the_conversation(
    runtime: Runtime,
    fake_slack: FakeSlack,
    crelate: CrelateState,
    http: httpx.AsyncClient,
    connected: dict[str, Any],
    times: Clock,
) -> None:
    job = connected
    await send_events(http, [added(times, "jane@acme.com", "Jane")])
    await settle(runtime)
    [jane] = crelate.contacts_with_email("jane@acme.com")
    assert crelate.stage_names(job["Id"], jane["Id"]) == ["Sourced"]

    await send_events(
        http,
        [email_event(times, "sent", "jane@acme.com"), email_event(times, "sent", "jane@acme.com")],
    )
    await settle(runtime)
    assert crelate.stage_names(job["Id"], jane["Id"]) == ["Sourced", "Messaged"]

    await send_events(
        http, [email_event(times, "replied", "jane@acme.com", sentiment="interested")]
    )
    await settle(runtime)
    assert crelate.stage_names(job["Id"], jane["Id"]) == [
        "Sourced",
        "Messaged",
        "Replied",
        "Interested",
    ]
    # A follow-up email after the reply does not move her back to Messaged.
    await send_events(http, [email_event(times, "sent", "jane@acme.com")])
    await settle(runtime)
    assert crelate.stage_names(job["Id"], jane["Id"])[-1] == "Interested"
    assert fake_slack.calls_to("chat.postMessage") == []


async def test_missing_statuses_change_nothing_and_warn_once(
    runtime: Runtime,
    fake_slack: FakeSlack,
    crelate: CrelateState,
    http: httpx.AsyncClient,
    connected: dict[str, Any],
    times: Clock,
) -> None:
    job = connected
    crelate.set_statuses(["Sourced", "Reached Out", "Screening"])
    people = ["jane@acme.com", "bob@acme.com"]
    await send_events(http, [added(times, e, e[:3].title()) for e in people])
    await settle(runtime)
    for email in people:
        await send_events(
            http,
            [
                email_event(times, "sent", email),
                email_event(times, "replied", email, sentiment="not_interested"),
            ],
        )
        await settle(runtime)

    for email in people:
        [person] = crelate.contacts_with_email(email)
        assert crelate.stage_names(job["Id"], person["Id"]) == ["Sourced"]
    dms = await eventually(lambda: fake_slack.calls_to("chat.postMessage"))
    await settle(runtime)
    await runtime.notifier.post_all()
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    warning = dms[0].args
    for name in STATUS_NAMES:
        assert f"“{name}”" in warning["text"]
    assert_valid_message(warning["blocks"], warning["text"])
    assert fake_slack.calls_to("conversations.open")[0].args["users"] == "U0001"

    # Once the statuses exist, later emails advance as usual (and no new warning).
    crelate.set_statuses(["Sourced", *STATUS_NAMES])
    await send_events(http, [email_event(times, "replied", "jane@acme.com", "seq-42")])
    await settle(runtime)
    [jane] = crelate.contacts_with_email("jane@acme.com")
    assert crelate.stage_names(job["Id"], jane["Id"]) == ["Sourced", "Replied"]
    await runtime.notifier.post_all()
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


# --- import from a Crelate list --------------------------------------------------------------


async def open_import(user: SlackUser, slack: FakeSlack) -> dict[str, Any]:
    before = len(slack.views)
    await user.command("import")
    return await opened_view(slack, before + 1)


def list_answer(name: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": name}, "value": name}


async def test_import_adds_members_with_email_linked_and_counts_the_rest(
    user: SlackUser,
    fake_slack: FakeSlack,
    runtime: Runtime,
    crelate: CrelateState,
    http: httpx.AsyncClient,
    connected: dict[str, Any],
    times: Clock,
) -> None:
    owner = crelate.users[CRELATE_KEY]
    ada = crelate.add_contact("Ada", "Lovelace", "Ada@Example.com", owner=owner, tags=["Q4"])
    bob = crelate.add_contact("Bob", "Stone", "bob@acme.com", owner=owner, tags=["Q4"])
    crelate.add_contact("No", "Email", None, owner=owner, tags=["Q4"])
    crelate.add_contact("Cy", "Other", "cy@example.com", owner=owner, tags=["Elsewhere"])
    await send_events(http, [added(times, "bob@acme.com", "Bob")])  # already in the sequence
    await settle(runtime)
    contacts_before = len(crelate.contacts)

    view = await open_import(user, fake_slack)
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert labels == ["Crelate list", "Into sequence", "Or a new sequence"]
    lists = (await user.suggest(view, "import_list_select", "crm_list", "q"))["options"]
    assert [o["text"]["text"] for o in lists] == ["Q4"]

    both = await user.submit(
        view,
        {
            "Crelate list": list_answer("Q4"),
            "Into sequence": "Sequence seq-42",
            "Or a new sequence": "Another",
        },
    )
    assert both["response_action"] == "errors"

    # Hold the member listing open so the first import is still running for the second.
    gate = crelate.gates["GET /contacts"] = asyncio.Event()
    answers = {"Crelate list": list_answer("Q4"), "Into sequence": "Sequence seq-42"}
    assert await user.submit(view, answers) == {}
    progress = await eventually(lambda: fake_slack.calls_to("chat.postMessage"))
    assert "Importing Crelate list “Q4”" in progress[0].args["text"]
    refused = await user.submit(await open_import(user, fake_slack), answers)
    assert refused["response_action"] == "errors"
    assert "already running" in refused["errors"]["crm_list"]
    gate.set()

    done = await eventually(lambda: fake_slack.calls_to("chat.update"))
    summary = done[-1].args
    assert summary["text"] == (
        "Imported Crelate list “Q4” into “Sequence seq-42”: added 1, "
        "skipped 1 without email, already in sequence 1."
    )
    assert_valid_message(summary["blocks"], summary["text"])

    # Ada joined the sequence linked to her existing record: nothing was created in Crelate.
    await settle(runtime)
    assert len(crelate.contacts) == contacts_before and crelate.calls["POST /contacts"] == 0
    membership = await membership_of(runtime, "ada@example.com")
    assert membership.sync_state == SyncState.SYNCED
    async with runtime.db.session() as session:
        link = await session.scalar(
            select(m.SyncLink).where(m.SyncLink.contact_id == membership.contact_id)
        )
    assert (link.crm_record_id, link.created_in_crm) == (ada["Id"], False)
    assert crelate.jobs_of(ada["Id"]) == [connected["Id"]]  # the sequence's job, via the engine
    assert crelate.jobs_of(bob["Id"]) == [connected["Id"]]

    # The slot is free again: a new import (into a new sequence) runs.
    again = await open_import(user, fake_slack)
    await user.submit(again, {"Crelate list": list_answer("Q4"), "Or a new sequence": "Fresh"})
    await eventually(lambda: len(fake_slack.calls_to("chat.update")) >= 2)
    assert "added 2" in fake_slack.calls_to("chat.update")[-1].args["text"]


async def test_import_says_so_for_a_crm_without_lists(
    user: SlackUser, fake_slack: FakeSlack
) -> None:
    assert "connect" in (await user.command("import")).json()["text"]
    await connect_ashby(user, fake_slack)
    body = (await user.command("import")).json()
    assert "Ashby has none" in body["text"] and "Crelate" in body["text"]


async def test_status_advance_works_with_activity_tracking_off(
    user: SlackUser,
    fake_slack: FakeSlack,
    runtime: Runtime,
    crelate: CrelateState,
    http: httpx.AsyncClient,
    connected: dict[str, Any],
    times: Clock,
) -> None:
    job = connected
    await configure(
        user, fake_slack, {"Options": ["status_advance"], "Default job": job_answer(job)}
    )
    await send_events(http, [added(times, "jane@acme.com", "Jane")])
    await settle(runtime)
    await send_events(http, [email_event(times, "sent", "jane@acme.com")])
    await settle(runtime)  # only status work is due: the scheduler must still see it
    [jane] = crelate.contacts_with_email("jane@acme.com")
    assert crelate.stage_names(job["Id"], jane["Id"]) == ["Sourced", "Messaged"]
    assert crelate.activities_of(jane["Id"]) == []
