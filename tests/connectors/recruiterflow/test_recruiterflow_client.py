"""The Recruiterflow connector against its emulator: errors, paging, record types, fields,
jobs and activities."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from bot.connectors.base import ActivityKind, ActivityRecord, ContactData, CrmRecord
from bot.connectors.errors import (
    AuthError,
    ConfigError,
    RateLimitError,
    TransientError,
    ValidationError,
)
from bot.connectors.recruiterflow.client import RecruiterflowConnector
from sandbox.recruiterflow import RecruiterflowState
from tests.connectors.recruiterflow.conftest import API_KEY, MakeConnector

SENT = ActivityRecord(
    ActivityKind.SENT, datetime(2026, 1, 5, 9, tzinfo=UTC), "Q1 outreach", "mk-1", "Hi there"
)


async def test_verify_names_the_account(connector: RecruiterflowConnector) -> None:
    identity = await connector.verify()
    assert identity.label == "Recruiterflow (RF (company))"


async def test_missing_and_wrong_keys_are_auth_errors(make_connector: MakeConnector) -> None:
    for key in ("", "wrong"):
        with pytest.raises(AuthError) as caught:
            await make_connector(key).verify()
        assert caught.value.status in (400, 401)
        assert "Recruiterflow" in caught.value.reason


@pytest.mark.parametrize(
    ("status", "error"),
    [(429, RateLimitError), (502, TransientError), (503, TransientError), (403, ConfigError)],
)
async def test_statuses_are_classified(
    connector: RecruiterflowConnector, state: RecruiterflowState, status: int, error: type
) -> None:
    state.inject_fault("candidate/search", status=status, times=None, retry_after=3)
    with pytest.raises(error) as caught:
        await connector.find_by_emails(["a@example.com"])
    assert type(caught.value) is error
    if status == 429:
        assert caught.value.retry_after == 3


async def test_a_transient_failure_on_a_read_is_retried(
    connector: RecruiterflowConnector, state: RecruiterflowState
) -> None:
    state.add_candidate("Ada", "L", "ada@example.com")
    state.inject_fault("candidate/search", status=502, times=1)
    assert "ada@example.com" in await connector.find_by_emails(["ada@example.com"])
    assert state.calls["candidate/search"] == 2  # failed, then retried
    assert state.calls["contact/search"] == 0  # found among candidates: no need to look further


async def test_a_refused_write_is_a_validation_error_with_the_vendor_message(
    connector: RecruiterflowConnector, state: RecruiterflowState
) -> None:
    state.inject_fault("candidate/add", status=400, message="Invalid email address.")
    [refused] = await connector.create_many([ContactData("x@example.com", "X")], "Candidate")
    assert isinstance(refused, ValidationError)
    assert "Invalid email address." in refused.reason
    assert state.calls["candidate/add"] == 1  # a refused create is never repeated


async def test_find_looks_in_candidates_then_contacts_and_rechecks_emails(
    connector: RecruiterflowConnector, state: RecruiterflowState
) -> None:
    cand = state.add_candidate("Ada", "L", "Ada@Example.com")
    contact = state.add_contact("Bea", "K", "bea@example.com", "bea.k@example.com")
    found = await connector.find_by_emails(["ada@example.com", "BEA.K@example.com", "no@x.io"])
    assert (found["ada@example.com"].id, found["ada@example.com"].record_type) == (
        str(cand.id),
        "Candidate",
    )
    assert (found["bea.k@example.com"].id, found["bea.k@example.com"].record_type) == (
        str(contact.id),
        "Contact",
    )
    only_candidates = await connector.find_by_emails(["bea@example.com"], ["Candidate"])
    assert only_candidates == {}
    # One search per record type for the whole batch, not one per email.
    assert state.calls["candidate/search"] == 2 and state.calls["contact/search"] == 1


async def test_a_created_record_is_kept_even_while_search_lags(
    connector: RecruiterflowConnector, state: RecruiterflowState
) -> None:
    state.search_lag = 1
    made = await connector.create(ContactData("new@example.com", "New", "Person"), "Candidate")
    assert await connector.find_by_emails(["new@example.com"]) == {}
    assert (await connector.find_by_emails(["new@example.com"]))["new@example.com"].id == made.id


async def test_create_writes_mapped_and_custom_fields(
    connector: RecruiterflowConnector, state: RecruiterflowState
) -> None:
    field = state.add_custom_field("contact", "Seniority", "single_select", ["Junior", "Senior"])
    contact = ContactData(
        "cto@acme.com",
        "Cee",
        "Tee",
        company="Acme",
        title="CTO",
        crm_fields={"source": "Q4 list", f"custom_fields.{field['id']}": "Senior"},
    )
    record = await connector.create(contact, "Contact")
    person = state.people[int(record.id)]
    assert person.kind == "contact"
    assert person.fields["source"] == "Q4 list" and person.fields["client_company"] == "Acme"
    assert person.custom_fields == [{"id": field["id"], "value": "Senior"}]
    fields = {f.name: f for f in await connector.describe_fields("Contact")}
    custom = fields[f"custom_fields.{field['id']}"]
    assert (custom.label, custom.type, custom.picklist) == (
        "Seniority",
        "picklist",
        ("Junior", "Senior"),
    )
    with pytest.raises(ConfigError):
        await connector.describe_fields("Lead")


async def test_list_jobs_pages_through_open_jobs_only(
    connector: RecruiterflowConnector, state: RecruiterflowState
) -> None:
    for i in range(230):
        state.add_job(f"Engineer {i:03}")
    state.add_job("Engineer closed", is_open=False)
    jobs = await connector.list_jobs("engineer")
    assert len(jobs) == 230 and state.calls["job/list"] == 3
    assert [j.title for j in await connector.list_jobs("Engineer 12")][:1] == ["Engineer 120"]


async def test_a_contact_is_not_put_on_a_job(
    connector: RecruiterflowConnector, state: RecruiterflowState
) -> None:
    job = state.add_job("Backend")
    contact = state.add_contact("Cee", "Tee", "cto@acme.com")
    await connector.assign_to_job(CrmRecord(str(contact.id), "Contact", ()), str(job.id))
    assert state.calls["candidate/add-to-job"] == 0


async def test_activity_uses_the_custom_type_and_is_found_by_marker(
    connector: RecruiterflowConnector, state: RecruiterflowState
) -> None:
    kind = state.add_activity_type("Outreach email")
    cand = state.add_candidate("Ada", "L", "ada@example.com")
    record = CrmRecord(str(cand.id), "Candidate", ())
    await connector.log_activity(record, SENT)
    [activity] = state.activities_of(cand.id)
    assert activity.type["id"] == kind["id"] and activity.time == "2026-01-05T09:00:00+0000"
    assert "[crm-sync:mk-1]" in activity.text and "Hi there" in activity.text
    assert await connector.activity_exists(record, "mk-1")
    assert not await connector.activity_exists(record, "mk-2")


async def test_without_the_custom_type_activity_becomes_a_note(
    connector: RecruiterflowConnector, state: RecruiterflowState
) -> None:
    contact = state.add_contact("Bea", "K", "bea@example.com")
    record = CrmRecord(str(contact.id), "Contact", ())
    assert (await connector.log_activity(record, SENT)).startswith("note:")
    assert state.calls["custom-activity/create"] == 0
    assert await connector.activity_exists(record, "mk-1")


async def test_the_key_never_reaches_errors_or_logs(
    make_connector: MakeConnector, state: RecruiterflowState, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    state.inject_fault(status=500, times=None, message=f"boom {API_KEY}")
    with pytest.raises(TransientError) as caught:
        await make_connector().verify()
    assert API_KEY not in f"{caught.value} {caught.value!r} {caplog.text}"


async def test_none_strings_and_plain_string_emails_are_understood(
    connector: RecruiterflowConnector, state: RecruiterflowState, monkeypatch
) -> None:
    person = state.add_candidate("Ada", "L", "ada@example.com")
    real = person.to_api

    def sparse(rf, *, search=False):
        row = real(rf, search=search)
        return {**row, "email": ["Ada@Example.com"], "jobs": "None", "name": "None"}

    monkeypatch.setattr(person, "to_api", sparse)
    record = (await connector.find_by_emails(["ada@example.com"]))["ada@example.com"]
    assert (record.id, record.job_ids, record.name) == (str(person.id), (), "")
