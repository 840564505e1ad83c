"""One behaviour for every connector: what the sync engine relies on, checked per CRM."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from bot.connectors.base import ActivityKind, ActivityRecord, Capability, ContactData, CrmRecord
from bot.connectors.errors import AuthError, RateLimitError, TransientError, ValidationError
from bot.connectors.registry import CONNECTORS
from tests.connectors.conformance.harness import HARNESSES, Harness


def test_every_registered_crm_has_a_harness() -> None:
    assert set(CONNECTORS) == set(HARNESSES)


async def test_verify_accepts_good_and_refuses_bad_credentials(harness: Harness) -> None:
    good = harness.connector()
    assert (await good.verify()).label
    bad = harness.connector(valid=False)
    with pytest.raises(AuthError) as caught:
        await bad.verify()
    assert caught.value.reason
    for connector in (good, bad):
        await connector.aclose()


async def test_find_by_emails_in_batches_returns_only_existing(harness: Harness) -> None:
    person = harness.seed_person("ada@example.com", "Ada", "Lovelace")
    connector = harness.connector()
    emails = ["ada@example.com"] + [f"nobody{i}@example.com" for i in range(3)]
    found = await connector.find_by_emails(emails[: connector.find_batch_size])
    assert set(found) == {"ada@example.com"}
    assert found["ada@example.com"].id == person
    await connector.aclose()


async def test_find_by_emails_answers_a_full_batch_in_any_case(harness: Harness) -> None:
    people = {
        f"p{i}@example.com": harness.seed_person(f"p{i}@example.com", "P", f"N{i}")
        for i in range(3)
    }
    connector = harness.connector()
    emails = [e.upper() for e in people]
    emails += [f"absent{i}@example.com" for i in range(connector.find_batch_size - len(emails))]
    found = await connector.find_by_emails(emails)
    assert {email: record.id for email, record in found.items()} == people
    await connector.aclose()


async def test_create_then_find_returns_the_same_record(harness: Harness) -> None:
    connector = harness.connector()
    contact = ContactData("grace@example.com", "Grace", "Hopper", company="Navy")
    [made] = await connector.create_many([contact], harness.person_type)
    assert isinstance(made, CrmRecord)
    assert harness.people_with_email("grace@example.com") == [made.id]
    found = await connector.find_by_emails(["grace@example.com"])
    assert found["grace@example.com"].id == made.id
    await connector.aclose()


async def test_assign_to_job_twice_is_one_assignment(harness: Harness) -> None:
    if Capability.JOBS not in CONNECTORS[harness.kind].capabilities:
        pytest.skip(f"{harness.kind} has no jobs")
    person = harness.seed_person("alan@example.com", "Alan", "Turing")
    job = harness.seed_job("Codebreaker")
    connector = harness.connector()
    record = (await connector.find_by_emails(["alan@example.com"]))["alan@example.com"]
    assert job in [j.id for j in await connector.list_jobs("code")]
    await connector.assign_to_job(record, job)
    await connector.assign_to_job(record, job)
    assert harness.jobs_of(person) == [job]
    await connector.aclose()


async def test_activity_is_written_and_found_by_its_marker(harness: Harness) -> None:
    person = harness.seed_person("kat@example.com", "Katherine", "Johnson")
    connector = harness.connector()
    record = (await connector.find_by_emails(["kat@example.com"]))["kat@example.com"]
    activity = ActivityRecord(
        ActivityKind.SENT, datetime(2026, 11, 2, 9, tzinfo=UTC), "Q4 outreach", "m-1", "Hello"
    )
    assert not await connector.activity_exists(record, "m-1")
    await connector.log_activity(record, activity)
    assert await connector.activity_exists(record, "m-1")
    assert len(harness.activities_of(person)) == 1
    await connector.aclose()


async def test_describe_fields_lists_named_fields(harness: Harness) -> None:
    connector = harness.connector()
    fields = await connector.describe_fields(harness.person_type)
    assert fields and all(f.name and f.label for f in fields)
    await connector.aclose()


@pytest.mark.parametrize(
    ("fault", "error"),
    [("auth", AuthError), ("rate_limit", RateLimitError), ("transient", TransientError)],
)
async def test_errors_are_classified(harness: Harness, fault, error) -> None:
    connector = harness.connector()
    harness.inject(fault, retry_after=7)
    with pytest.raises(error) as caught:
        await connector.find_by_emails(["someone@example.com"])
    if fault == "rate_limit":
        assert caught.value.retry_after == 7
    await connector.aclose()


async def test_a_refused_record_is_a_validation_error_not_a_crash(harness: Harness) -> None:
    connector = harness.connector()
    harness.inject("validation")
    [refused] = await connector.create_many(
        [ContactData("x@example.com", "X", "Y")], harness.person_type
    )
    assert isinstance(refused, ValidationError) and refused.reason
    await connector.aclose()


async def test_secrets_never_reach_errors_or_logs(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    connector = harness.connector()
    messages = []
    for fault in ("transient", "auth"):
        harness.inject(fault)
        try:
            await connector.find_by_emails(["someone@example.com"])
        except Exception as exc:
            messages.append(f"{exc} {exc!r}")
    await connector.aclose()
    text = " ".join(messages) + caplog.text
    for secret in harness.secrets():
        assert secret not in text
