"""The real Ashby connector against the emulator (httpx.ASGITransport, no sockets)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.connectors.ashby.client import AshbyConnector
from bot.connectors.base import (
    ActivityKind,
    ActivityRecord,
    Capability,
    Connector,
    ContactData,
    CrmRecord,
)
from bot.connectors.errors import AuthError, RateLimitError, TransientError
from sandbox.ashby import ALL_PERMISSIONS

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def activity(marker: str, kind: ActivityKind = ActivityKind.SENT, **kw) -> ActivityRecord:
    kw.setdefault("subject", "Quick question")
    kw.setdefault("snippet", "Hi Jane, would you be open to a chat?")
    return ActivityRecord(kind, NOW, "Q3 Engineers", marker, **kw)


def test_connector_fulfils_the_protocol(connector):
    assert isinstance(connector, Connector)
    assert connector.kind == "ashby"
    assert connector.display_name == "Ashby"
    assert connector.record_types == ("Candidate",)
    assert connector.capabilities == {
        Capability.JOBS,
        Capability.ACTIVITY,
        Capability.FIELD_MAPPING,
    }
    assert connector.create_batch_size == 1
    assert connector.find_batch_size > 1


# --- verify -----------------------------------------------------------------------------------


async def test_verify_with_a_good_key(connector):
    identity = await connector.verify()
    assert identity.label == "Ashby API key 'Sync bot'"


async def test_verify_with_an_unknown_key(make_connector):
    with pytest.raises(AuthError) as caught:
        await make_connector("wrong-key").verify()
    assert caught.value.status == 403


async def test_verify_with_an_empty_key(make_connector):
    with pytest.raises(AuthError) as caught:
        await make_connector("  ").verify()
    assert caught.value.status == 401


async def test_verify_with_a_disabled_key(state, connector, api_key):
    state.disable_api_key(api_key)
    with pytest.raises(AuthError, match="deactivated"):
        await connector.verify()


async def test_verify_without_api_keys_read_uses_job_list(state, connector, api_key):
    state.add_api_key(api_key, permissions=ALL_PERMISSIONS - {"apiKeysRead"})
    assert (await connector.verify()).label == "Ashby API key"
    assert state.calls["job.list"] == 1


async def test_verify_without_any_read_permission_names_it(state, connector, api_key):
    state.add_api_key(api_key, permissions={"candidatesWrite"})
    with pytest.raises(AuthError, match="jobsRead"):
        await connector.verify()


# --- find and create --------------------------------------------------------------------------


async def test_find_is_case_insensitive_and_omits_the_not_found(state, connector):
    jane = state.add_candidate("Jane Doe", "Jane.Doe@Acme.COM")
    found = await connector.find_by_emails(["jane.doe@acme.com", "nobody@acme.com"])
    assert list(found) == ["jane.doe@acme.com"]
    record = found["jane.doe@acme.com"]
    assert record.id == jane.id
    assert record.record_type == "Candidate"
    assert record.name == "Jane Doe"
    assert record.url == f"https://app.ashbyhq.com/candidates/{jane.id}"


async def test_find_matches_alternate_emails(state, connector):
    jane = state.add_candidate("Jane", "jane@acme.com", alternate_emails=["jane@work.io"])
    found = await connector.find_by_emails(["jane@work.io"])
    assert found["jane@work.io"].id == jane.id
    assert set(found["jane@work.io"].emails) == {"jane@acme.com", "jane@work.io"}


async def test_find_prefers_the_most_recently_updated_duplicate(state, connector):
    state.add_candidate("Old Jane", "jane@acme.com", updated_at=NOW - timedelta(days=30))
    new = state.add_candidate("New Jane", "jane@acme.com", updated_at=NOW)
    state.add_candidate("Mid Jane", "jane@acme.com", updated_at=NOW - timedelta(days=1))
    assert (await connector.find_by_emails(["jane@acme.com"]))["jane@acme.com"].id == new.id


async def test_find_searches_each_email_once(state, connector):
    emails = [f"person{i}@acme.com" for i in range(10)]
    for email in emails[:5]:
        state.add_candidate(email.split("@")[0], email)
    found = await connector.find_by_emails([*emails, emails[0].upper()])
    assert sorted(found) == sorted(emails[:5])
    assert state.calls["candidate.search"] == 10


async def test_find_for_other_record_types_finds_nothing(state, connector):
    state.add_candidate("Jane", "jane@acme.com")
    assert await connector.find_by_emails(["jane@acme.com"], ["Lead"]) == {}
    assert state.calls["candidate.search"] == 0


async def test_create_then_find(state, connector):
    contact = ContactData(
        "jane@acme.com",
        first_name="Jane",
        last_name="Doe",
        phone="555-0100",
        linkedin_url="linkedin.com/in/janedoe",
        location="Berlin",
    )
    created = await connector.create(contact, "Candidate")
    stored = state.candidates[created.id]
    assert stored.name == "Jane Doe"
    assert stored.email_values() == ["jane@acme.com"]
    assert stored.phones[0]["value"] == "555-0100"
    assert stored.social_links == [{"type": "LinkedIn", "url": "https://linkedin.com/in/janedoe"}]
    assert stored.location == {"city": "Berlin"}
    found = await connector.find_by_emails(["jane@acme.com"])
    assert found["jane@acme.com"].id == created.id


async def test_create_drops_an_invalid_linkedin_url_and_falls_back_to_the_email_name(
    state, connector
):
    created = await connector.create(
        ContactData("sam@acme.com", linkedin_url="not a url"), "Candidate"
    )
    assert state.candidates[created.id].name == "sam"
    assert state.candidates[created.id].social_links == []


async def test_the_emulator_does_not_dedupe_creates(state, connector):
    first = await connector.create(ContactData("jane@acme.com"), "Candidate")
    second = await connector.create(ContactData("jane@acme.com"), "Candidate")
    assert first.id != second.id
    assert len(state.candidates) == 2


# --- jobs -------------------------------------------------------------------------------------


async def test_assign_to_job_is_idempotent(state, connector):
    job = state.add_job("Engineer")
    record = await connector.create(ContactData("jane@acme.com"), "Candidate")
    await connector.assign_to_job(record, job.id)
    await connector.assign_to_job(record, job.id)
    assert [a.job_id for a in state.applications_for(record.id)] == [job.id]
    # The repeat is refused by Ashby and recognised as already done, not raised.
    assert state.calls["application.create"] == 2
    assert state.calls["candidate.info"] == 1


async def test_assign_to_several_jobs(state, connector):
    eng, sales = state.add_job("Engineer"), state.add_job("Sales")
    record = await connector.create(ContactData("jane@acme.com"), "Candidate")
    for job in (eng, sales, eng):
        await connector.assign_to_job(record, job.id)
    assert sorted(a.job_id for a in state.applications_for(record.id)) == sorted([eng.id, sales.id])


async def test_assign_skips_jobs_the_record_already_lists(state, connector):
    job = state.add_job("Engineer")
    jane = state.add_candidate("Jane", "jane@acme.com")
    record = CrmRecord(jane.id, "Candidate", ("jane@acme.com",), job_ids=(job.id,))
    await connector.assign_to_job(record, job.id)
    assert sum(state.calls.values()) == 0


async def test_list_jobs_returns_open_jobs_matching_the_query(state, connector):
    state.add_job("Senior Engineer")
    state.add_job("Engineering Manager")
    state.add_job("Account Executive")
    state.add_job("Closed Engineer", "Closed")
    state.add_job("Draft Engineer", "Draft")
    state.add_job("Archived Engineer", "Archived")
    assert [j.title for j in await connector.list_jobs("ENGINEER")] == [
        "Engineering Manager",
        "Senior Engineer",
    ]
    assert len(await connector.list_jobs()) == 3
    assert all(body == {"status": ["Open"], "limit": 100} for body in _first_page_bodies(state))


def _first_page_bodies(state):
    return [c.body for c in state.log.where("job.list") if "cursor" not in c.body]


async def test_list_jobs_pages_beyond_100(state, connector):
    for i in range(230):
        state.add_job(f"Role {i:03d}")
    for i in range(20):
        state.add_job(f"Closed {i}", "Closed")
    jobs = await connector.list_jobs()
    assert len(jobs) == 230
    assert len({j.id for j in jobs}) == 230
    assert state.calls["job.list"] == 3


# --- activity ---------------------------------------------------------------------------------


async def test_log_activity_writes_a_readable_note_with_the_marker(state, connector):
    record = await connector.create(ContactData("jane@acme.com"), "Candidate")
    note_id = await connector.log_activity(record, activity("evt-1"))
    note = state.notes[note_id]
    assert note.candidate_id == record.id
    assert note.content.startswith(
        "Email sent in sequence 'Q3 Engineers': Quick question — Hi Jane, would you be open"
    )
    assert note.content.endswith("[crm-sync:evt-1]")
    assert note.created_at == NOW


async def test_reply_notes_carry_the_sentiment(state, connector):
    record = await connector.create(ContactData("jane@acme.com"), "Candidate")
    reply = activity("evt-2", ActivityKind.REPLIED, sentiment="interested", snippet="Sure!")
    note_id = await connector.log_activity(record, reply)
    assert state.notes[note_id].content.startswith(
        "Replied (interested) in sequence 'Q3 Engineers'"
    )


async def test_activity_exists_finds_the_marker(state, connector):
    record = await connector.create(ContactData("jane@acme.com"), "Candidate")
    await connector.log_activity(record, activity("evt-1"))
    assert await connector.activity_exists(record, "evt-1") is True
    assert await connector.activity_exists(record, "evt-2") is False
    assert await connector.activity_exists(record, "evt") is False


async def test_activity_exists_pages_through_many_notes(state, connector):
    record = await connector.create(ContactData("jane@acme.com"), "Candidate")
    await connector.log_activity(record, activity("old-one"))
    for i in range(150):
        state.add_note(record.id, f"Call notes {i}", created_at=NOW + timedelta(minutes=i))
    state.reset_calls()
    assert await connector.activity_exists(record, "old-one") is True
    assert state.calls["candidate.listNotes"] == 2


# --- fields -----------------------------------------------------------------------------------


async def test_describe_fields_lists_standard_and_candidate_custom_fields(state, connector):
    seniority = state.add_custom_field(
        "Seniority", "ValueSelect", selectable_values=["Junior", "Senior"]
    )
    sequence = state.add_custom_field("Sequence", "String")
    state.add_custom_field("Job code", "String", object_type="Job")
    state.add_custom_field("Old field", "String", is_archived=True)
    fields = {f.name: f for f in await connector.describe_fields("Candidate")}
    assert {"name", "email", "phoneNumber", "linkedInUrl", "location"} <= set(fields)
    assert fields["name"].required is True
    assert fields[seniority.id].label == "Seniority"
    assert fields[seniority.id].type == "picklist"
    assert fields[seniority.id].picklist == ("Junior", "Senior")
    assert fields[sequence.id].type == "string"
    assert len(fields) == 7


async def test_describe_fields_needs_the_metadata_permission(state, connector, api_key):
    state.add_api_key(api_key, permissions=ALL_PERMISSIONS - {"hiringProcessMetadataRead"})
    with pytest.raises(AuthError, match="hiringProcessMetadataRead"):
        await connector.describe_fields("Candidate")


# --- faults -----------------------------------------------------------------------------------


async def test_injected_rate_limits_are_waited_out(state, connector):
    state.add_candidate("Jane", "jane@acme.com")
    state.inject_fault("candidate.search", status=429, times=2, retry_after=1)
    found = await connector.find_by_emails(["jane@acme.com"])
    assert "jane@acme.com" in found
    assert state.calls["candidate.search"] == 3


async def test_a_persistent_rate_limit_surfaces_retry_after(state, connector):
    state.inject_fault("job.list", status=429, times=None, retry_after=20)
    with pytest.raises(RateLimitError) as caught:
        await connector.list_jobs()
    assert caught.value.retry_after == 20
    assert state.calls["job.list"] == 4


async def test_an_outage_becomes_a_transient_error(state, connector):
    state.inject_fault(status=503, times=None)
    with pytest.raises(TransientError):
        await connector.verify()
    assert state.calls["apiKey.info"] == 4


async def test_a_500_on_create_is_not_repeated(state, connector):
    state.inject_fault("candidate.create", status=500)
    with pytest.raises(TransientError):
        await connector.create(ContactData("jane@acme.com"), "Candidate")
    assert state.calls["candidate.create"] == 1
    assert state.candidates == {}


async def test_connector_repr_hides_the_key(connector: AshbyConnector, api_key):
    assert api_key not in repr(connector)
