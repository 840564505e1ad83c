"""The Crelate connector against the api3 emulator."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from cryptography.fernet import Fernet

from bot.connectors.base import (
    ActivityKind,
    ActivityRecord,
    ContactData,
    CrmRecord,
    ListSource,
    StatusAdvancer,
)
from bot.connectors.crelate.client import CrelateConnector, CrelateOptions, contact_entity
from bot.connectors.errors import AuthError, ConfigError, RateLimitError, ValidationError
from bot.connectors.registry import build_connector
from bot.settings import Settings
from tests.connectors.crelate.conftest import API_KEY


async def test_verify_names_the_keys_owner_and_refuses_a_bad_key(make_connector) -> None:
    identity = await make_connector().verify()
    assert identity.label == "Crelate user Sam Recruiter" and identity.account_id
    with pytest.raises(AuthError) as caught:
        await make_connector("wrong-key").verify()
    assert "API Access" in caught.value.reason and "wrong-key" not in caught.value.reason


async def test_verify_falls_back_when_users_self_is_absent(make_connector, state) -> None:
    state.inject_fault("GET /users/self", status=404)
    assert (await make_connector().verify()).label == "Crelate API key"
    assert state.calls["GET /contacts"] == 1


async def test_the_key_travels_in_the_header_never_the_url(connector, state) -> None:
    state.inject_fault("GET /contacts", status=503, times=None)
    with pytest.raises(Exception) as caught:
        await connector.find_by_emails(["a@example.com"])
    assert API_KEY not in str(caught.value)
    assert connector.capabilities >= {"lists", "statuses"}
    assert isinstance(connector, ListSource) and isinstance(connector, StatusAdvancer)


async def test_find_matches_any_email_slot_case_insensitively(connector, state) -> None:
    work = state.add_contact("Ada", "L", "Ada@Example.com")
    personal = state.add_contact("Bob", "B", "bob@home.example", slot="EmailAddresses_Personal")
    found = await connector.find_by_emails(["ada@example.com", "BOB@home.example", "x@y.z"])
    assert {e: r.id for e, r in found.items()} == {
        "ada@example.com": work["Id"],
        "bob@home.example": personal["Id"],
    }
    assert found["ada@example.com"].url.endswith(work["Id"])


async def test_find_filters_by_record_type_bits(connector, state) -> None:
    state.add_contact("Cl", "Ient", "client@example.com", record_type=2)
    assert await connector.find_by_emails(["client@example.com"], ["Candidate"]) == {}
    found = await connector.find_by_emails(["client@example.com"], ["Sales/Client Contact"])
    assert found["client@example.com"].record_type == "Sales/Client Contact"


async def test_create_writes_each_record_type_with_its_bit(connector, state) -> None:
    for record_type, bit in [("Candidate", 1), ("Lead Contact", 4), ("Employee", 8)]:
        email = f"{bit}@example.com"
        made = await connector.create(ContactData(email, "Ann", "Lee"), record_type)
        assert state.contacts[made.id]["RecordType"] == bit
        assert made.record_type == record_type
    with pytest.raises(ConfigError):
        await connector.create(ContactData("z@example.com"), "Lead")


def test_contact_entity_leaves_out_malformed_phones_and_applies_mapping() -> None:
    contact = ContactData(
        "ada@example.com",
        None,
        None,
        title="CTO",
        phone="call me",
        location="Berlin",
        crm_fields={"Description": "from outreach"},
    )
    entity = contact_entity(contact, 1)
    assert entity["LastName"] == "ada"  # a name is required; the local part stands in
    assert "PhoneNumbers_Mobile" not in entity
    assert entity["CurrentPosition"] == {"JobTitle": "CTO"}
    assert entity["Description"] == "from outreach"
    good = contact_entity(ContactData("a@b.co", "A", "B", phone="+15551234567"), 2)
    assert good["PhoneNumbers_Mobile"]["Value"] == "+15551234567" and good["RecordType"] == 2


async def test_a_refused_create_is_a_validation_error_in_create_many(connector, state) -> None:
    state.inject_fault("POST /contacts", status=500, message="LastName is required.")
    [refused, made] = await connector.create_many(
        [ContactData("a@example.com", "A"), ContactData("b@example.com", "B")], "Candidate"
    )
    assert isinstance(refused, ValidationError) and "LastName is required" in refused.reason
    assert isinstance(made, CrmRecord)


async def test_assign_to_job_lands_in_the_first_stage_once(connector, state) -> None:
    state.set_statuses(["Sourced", "Messaged", "Replied"])
    job = state.add_job("Backend")
    contact = state.add_contact("Ada", "L", "ada@example.com")
    record = (await connector.find_by_emails(["ada@example.com"]))["ada@example.com"]
    await connector.assign_to_job(record, job["Id"])
    await connector.set_status(record, (await connector.list_statuses())[2], job["Id"])
    await connector.assign_to_job(record, job["Id"])  # already there: the stage is kept
    assert state.stage_names(job["Id"], contact["Id"]) == ["Sourced", "Replied"]


async def test_statuses_come_in_sort_order_and_need_a_job(connector, state) -> None:
    state.set_statuses(["New", "Messaged", "Replied"])
    assert [s.name for s in await connector.list_statuses()] == ["New", "Messaged", "Replied"]
    record = CrmRecord("x", "Candidate", ())
    with pytest.raises(ValidationError) as caught:
        await connector.set_status(record, (await connector.list_statuses())[1], None)
    assert "job" in caught.value.reason


async def test_activity_uses_the_email_type_and_is_found_by_marker(connector, state) -> None:
    contact = state.add_contact("Ada", "L", "ada@example.com")
    other = state.add_contact("Bob", "B", "bob@example.com")
    record = CrmRecord(contact["Id"], "Candidate", ())
    activity = ActivityRecord(
        ActivityKind.REPLIED,
        datetime(2026, 11, 2, 9, tzinfo=UTC),
        "Q4",
        "7-42",
        "Re: hi",
        "Sounds good",
        "interested",
    )
    await connector.log_activity(record, activity)
    [written] = state.activities_of(contact["Id"])
    email_verb = next(t["Id"] for t in state.activity_types if t["Name"] == "Email")
    assert written["VerbId"]["Id"] == email_verb and written["IsEngagement"] is True
    assert written["When"] == "2026-11-02T09:00:00.000Z"
    assert "Replied (interested)" in written["Display"]
    assert await connector.activity_exists(record, "7-42")
    assert not await connector.activity_exists(CrmRecord(other["Id"], "Candidate", ()), "7-42")


async def test_a_missing_activity_type_is_a_clear_config_error(make_connector) -> None:
    connector = make_connector(options=CrelateOptions(activity_type="Outreach Email"))
    record = CrmRecord("x", "Candidate", ())
    activity = ActivityRecord(ActivityKind.SENT, datetime.now(UTC), "Q4", "m")
    with pytest.raises(ConfigError) as caught:
        await connector.log_activity(record, activity)
    assert "Outreach Email" in caught.value.reason


async def test_list_jobs_pages_and_hides_closed_and_on_hold(connector, state) -> None:
    for i in range(120):
        state.add_job(f"Engineer {i:03d}")
    state.add_job("Engineer closed", closed=True)
    state.add_job("Engineer paused", on_hold=True)
    jobs = await connector.list_jobs("engineer")
    assert len(jobs) == 120 and all("closed" not in j.title for j in jobs)


async def test_lists_are_tags_and_members_without_email_are_returned(connector, state) -> None:
    state.add_contact("Ada", "L", "ada@example.com", tags=["Q4 shortlist"])
    state.add_contact("No", "Email", None, tags=["Q4 shortlist"])
    state.add_contact("Cat", "C", "cat@example.com", tags=["Other"])
    assert [item.name for item in await connector.list_lists()] == ["Other", "Q4 shortlist"]
    members = await connector.list_members("Q4 shortlist")
    assert sorted(m.email or "-" for m in members) == ["-", "ada@example.com"]


async def test_describe_fields_adds_the_accounts_fields(connector) -> None:
    names = [f.name for f in await connector.describe_fields("Employee")]
    assert "FirstName" in names and "EmailAddresses_Work" in names


async def test_rate_limit_carries_retry_after_and_logs_stay_clean(
    connector, state, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    state.inject_fault(status=429, retry_after=9, times=None)
    with pytest.raises(RateLimitError) as caught:
        await connector.list_jobs()
    assert caught.value.retry_after == 9
    assert API_KEY not in caplog.text


async def test_registry_reads_the_inferred_facts_from_settings(transport, owner) -> None:
    settings = Settings(
        _env_file=None,
        encryption_keys=Fernet.generate_key().decode(),
        crelate_api_url="https://app.crelate.test/api3",
        crelate_record_type_bits="1,2,16,32",
        crelate_workflow_type_id="f6ef012f-998d-4132-b38b-a17a00b2b958",
        crm_retry_wait_seconds=0,
    )
    connector = build_connector("crelate", {"api_key": API_KEY}, settings, transport)
    assert isinstance(connector, CrelateConnector)
    assert connector.options.record_type_bits["Lead Contact"] == 16
    await connector.aclose()
    with pytest.raises(ConfigError):
        build_connector(
            "crelate",
            {"api_key": API_KEY},
            settings.model_copy(update={"crelate_record_type_bits": "1,2"}),
            transport,
        )
