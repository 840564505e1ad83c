"""The PCRecruiter connector against its emulator: sessions, quoting, batching, paging,
errors, custom fields, jobs and activities."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from bot.connectors.base import ActivityKind, ActivityRecord, ContactData, CrmRecord
from bot.connectors.errors import AuthError, RateLimitError, TransientError, ValidationError
from bot.connectors.pcrecruiter.client import PCRecruiterConnector, email_query, quote
from sandbox.kernel import ManualClock
from sandbox.pcrecruiter import PCRecruiterState
from tests.connectors.pcrecruiter.conftest import LOGIN, MakeConnector


def test_quotes_inside_values_are_doubled() -> None:
    assert quote("o'brien@example.com") == "'o''brien@example.com'"
    assert email_query(["a@x.io", "b'c@x.io"]) == (
        "EmailAddress eq 'a@x.io' OR EmailAddress eq 'b''c@x.io'"
    )


async def test_one_session_serves_many_calls(
    connector: PCRecruiterConnector, state: PCRecruiterState
) -> None:
    await connector.verify()
    await connector.list_jobs()
    await connector.find_by_emails(["a@example.com"])
    assert connector.auth.logins == 1 and state.calls["access-token"] == 1


async def test_an_expired_session_is_renewed_once_and_the_call_repeated(
    connector: PCRecruiterConnector, state: PCRecruiterState, clock: ManualClock
) -> None:
    state.add_candidate("Ada", "Lovelace", "ada@example.com")
    await connector.verify()
    clock.advance(30)
    await connector.list_jobs()  # activity inside the timeout keeps the session alive
    clock.advance(45)
    assert "ada@example.com" in await connector.find_by_emails(["ada@example.com"])
    assert connector.auth.logins == 1
    clock.advance(61)  # idle past the timeout
    assert "ada@example.com" in await connector.find_by_emails(["ada@example.com"])
    assert connector.auth.logins == 2


async def test_a_revoked_login_is_an_auth_error_after_one_renewal(
    connector: PCRecruiterConnector, state: PCRecruiterState
) -> None:
    await connector.verify()
    state.revoke_logins()
    with pytest.raises(AuthError) as caught:
        await connector.find_by_emails(["ada@example.com"])
    assert connector.auth.logins == 2 and "PCRecruiter" in caught.value.reason


@pytest.mark.parametrize("field", ["database_id", "username", "password", "api_key", "app_id"])
async def test_any_wrong_credential_fails_verify(make_connector: MakeConnector, field: str) -> None:
    with pytest.raises(AuthError):
        await make_connector(**{field: "wrong"}).verify()


@pytest.mark.parametrize(
    ("status", "error"), [(429, RateLimitError), (503, TransientError), (500, TransientError)]
)
async def test_statuses_are_classified(
    connector: PCRecruiterConnector, state: PCRecruiterState, status: int, error: type
) -> None:
    state.inject_fault("candidates", status=status, times=None, retry_after=5)
    with pytest.raises(error) as caught:
        await connector.find_by_emails(["a@example.com"])
    if status == 429:
        assert caught.value.retry_after == 5


async def test_a_refused_create_carries_the_vendor_message_and_is_not_repeated(
    connector: PCRecruiterConnector, state: PCRecruiterState
) -> None:
    state.inject_fault("candidates", status=400, message="EmailAddress is invalid.")
    [refused] = await connector.create_many([ContactData("x@example.com", "X", "Y")], "Candidate")
    assert isinstance(refused, ValidationError) and "EmailAddress is invalid." in refused.reason
    assert state.calls["candidates"] == 1


async def test_find_batches_or_queries_and_pages(
    connector: PCRecruiterConnector, state: PCRecruiterState
) -> None:
    emails = [f"p{i}@example.com" for i in range(45)]
    ids = {e: str(state.add_candidate("P", str(i), e)["CandidateId"]) for i, e in enumerate(emails)}
    state.add_candidate("Quote", "Person", "o'neil@example.com")
    found = await connector.find_by_emails([*emails, "O'Neil@example.com"])
    assert {e: r.id for e, r in found.items() if e in ids} == ids
    assert found["o'neil@example.com"].name == "Quote Person"
    assert state.calls["candidates"] == 3  # 46 emails in batches of 20, one page each


async def test_list_jobs_pages_through_open_positions(
    connector: PCRecruiterConnector, state: PCRecruiterState
) -> None:
    for i in range(205):
        state.add_position(f"Analyst {i:03}")
    state.add_position("Analyst filled", status="Filled")
    jobs = await connector.list_jobs("analyst")
    assert len(jobs) == 205 and state.calls["positions"] == 3


async def test_open_status_is_configurable(
    make_connector: MakeConnector, state: PCRecruiterState
) -> None:
    state.add_position("Recruiting now", status="Active")
    connector = make_connector(open_job_status="Active")
    assert [j.title for j in await connector.list_jobs()] == ["Recruiting now"]


async def test_custom_fields_are_described_and_written(
    connector: PCRecruiterConnector, state: PCRecruiterState
) -> None:
    state.add_custom_field("Recruiting Priority", "MultiSelectCheckbox", ["High", "Low"])
    fields = {f.name: f for f in await connector.describe_fields("Candidate")}
    priority = fields["CustomFields.Recruiting Priority"]
    assert (priority.type, priority.picklist) == ("multipicklist", ("High", "Low"))
    contact = ContactData(
        "ada@example.com",
        "Ada",
        "Lovelace",
        crm_fields={"CustomFields.Recruiting Priority": "High", "Status": "unverified"},
    )
    record = await connector.create(contact, "Candidate")
    row = state.candidates[int(record.id)]
    assert row["CustomFields"] == [{"FieldName": "Recruiting Priority", "Values": ["High"]}]
    assert row["Status"] == "unverified"


async def test_assign_to_job_links_once_with_configured_codes(
    make_connector: MakeConnector, state: PCRecruiterState
) -> None:
    connector = make_connector(interview_type="SOURCED", interview_status="LINKED")
    position = state.add_position("Analyst")
    person = state.add_candidate("Ada", "L", "ada@example.com")
    record = CrmRecord(str(person["CandidateId"]), "Candidate", ())
    await connector.assign_to_job(record, str(position["JobId"]))
    await connector.assign_to_job(record, str(position["JobId"]))
    [link] = state.pipeline.values()
    assert (link["InterviewType"], link["InterviewStatus"]) == ("SOURCED", "LINKED")


async def test_backfilled_activity_keeps_its_own_date(
    connector: PCRecruiterConnector, state: PCRecruiterState
) -> None:
    person = state.add_candidate("Ada", "L", "ada@example.com")
    record = CrmRecord(str(person["CandidateId"]), "Candidate", ())
    long_ago = ActivityRecord(
        ActivityKind.REPLIED, datetime(2025, 3, 1, 15, 4, 5, tzinfo=UTC), "Q1", "old-1", "Re: hi"
    )
    assert not await connector.activity_exists(record, "old-1")
    await connector.log_activity(record, long_ago)
    [activity] = state.activities_of(person["CandidateId"])
    assert (activity["ActivityType"], activity["ActivityDate"]) == ("EMAIL", "2025-03-01T15:04:05")
    assert await connector.activity_exists(record, "old-1")


async def test_secrets_never_reach_errors_or_logs(
    make_connector: MakeConnector, state: PCRecruiterState, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    echo = f"bad {LOGIN['password']} {LOGIN['api_key']} {LOGIN['app_id']}"
    state.inject_fault("access-token", status=400, message=echo)
    with pytest.raises(AuthError) as caught:
        await make_connector().verify()
    assert "refused the login" in caught.value.reason
    text = f"{caught.value} {caught.value!r} {caplog.text}"
    for secret in (LOGIN["password"], LOGIN["api_key"], LOGIN["app_id"]):
        assert secret not in text
