"""The Salesforce connector against the emulated org: finding, creating, Tasks, sessions and
the API allowance."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from bot.connectors.base import ActivityKind, ActivityRecord, ContactData, CrmRecord
from bot.connectors.errors import AuthError, RateLimitError, TransientError, ValidationError
from bot.connectors.salesforce.client import (
    COMPANY_FALLBACK,
    SalesforceConnector,
    lead_or_contact_body,
    parse_limit_info,
)
from bot.connectors.skeleton import SessionCache
from sandbox.salesforce import SalesforceState
from tests.connectors.salesforce.conftest import INSTANCE_URL


def queries(org: SalesforceState) -> list[str]:
    return [c.query["q"] for c in org.log.where("query") if c.query.get("q")]


async def test_find_looks_in_leads_and_contacts_with_two_queries(
    org: SalesforceState, connector: SalesforceConnector
) -> None:
    lead = org.add_lead("lena@acme.com", "Lead", first_name="Lena")
    contact = org.add_contact("carl@acme.com", "Contact")
    converted_contact = org.add_contact("conv@acme.com", "Converted")
    org.add_lead("conv@acme.com", "Converted", converted_to=converted_contact)
    both_contact = org.add_contact("both@acme.com", "Both")
    org.add_lead("both@acme.com", "Both")
    emails = ["LENA@acme.com", "carl@acme.com", "conv@acme.com", "both@acme.com"]
    emails += [f"nobody{i}@acme.com" for i in range(196)]

    found = await connector.find_by_emails(emails)

    assert {e: (r.record_type, r.id) for e, r in found.items()} == {
        "lena@acme.com": ("Lead", lead),
        "carl@acme.com": ("Contact", contact),
        "conv@acme.com": ("Contact", converted_contact),  # the converted Lead is skipped
        "both@acme.com": ("Contact", both_contact),  # the Contact wins over the Lead
    }
    assert found["lena@acme.com"].url == f"{INSTANCE_URL}/lightning/r/Lead/{lead}/view"
    assert org.calls == {"query": 2}
    lead_query, contact_query = queries(org)
    assert "FROM Lead WHERE IsConverted = false AND Email IN (" in lead_query
    assert "FROM Contact WHERE Email IN (" in contact_query


async def test_quotes_in_emails_are_escaped(
    org: SalesforceState, connector: SalesforceConnector
) -> None:
    lead = org.add_lead("o'brien@acme.com", "O'Brien")
    found = await connector.find_by_emails(["o'brien@acme.com", "x') OR Email != ('"])
    assert found["o'brien@acme.com"].id == lead
    assert len(found) == 1
    assert "'o\\'brien@acme.com'" in queries(org)[0]
    assert all(c.status == 200 for c in org.log)


async def test_long_email_lists_are_split_to_fit_the_url_limit(
    org: SalesforceState, make_connector: Callable[..., SalesforceConnector]
) -> None:
    org.max_uri_length = 3_000
    connector = make_connector(max_url_length=3_000)
    emails = [f"someone.with.a.rather.long.address.{i:03d}@example-company.com" for i in range(200)]
    for email in emails[::50]:
        org.add_contact(email, "Long")

    found = await connector.find_by_emails(emails)

    assert set(found) == set(emails[::50])
    assert org.calls["uri_too_long"] == 0
    assert org.calls["query"] > 2  # split, two objects per piece
    looked_up = []
    for call in queries(org):
        assert len(call) < 3_000
        if "FROM Contact" in call:
            looked_up += [e for e in emails if f"'{e}'" in call]
    assert sorted(looked_up) == sorted(emails)  # every email asked once


async def test_create_many_links_duplicates_and_reports_refusals_one_by_one(
    org: SalesforceState, connector: SalesforceConnector
) -> None:
    existing = org.add_contact("dupe@acme.com", "Existing")
    org.inject_record_error(
        "FIELD_CUSTOM_VALIDATION_EXCEPTION", "Leads need a region", sobject="Lead", times=1
    )
    contacts = [
        ContactData("refused@acme.com", "Ref", "Used"),
        ContactData("dupe@acme.com", "Dup", "E"),
        ContactData("new@acme.com", "New", "Person", company="Beta"),
    ]

    refused, duplicate, created = await connector.create_many(contacts, "Lead")

    assert isinstance(refused, ValidationError)
    assert "Leads need a region" in refused.reason
    assert refused.code == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
    assert isinstance(duplicate, CrmRecord)
    assert (duplicate.id, duplicate.record_type) == (existing, "Contact")
    assert isinstance(created, CrmRecord) and created.record_type == "Lead"
    assert org.records["Lead"][created.id]["Company"] == "Beta"
    assert org.calls["composite/sobjects"] == 1
    assert len(org.people_with_email("dupe@acme.com")) == 1


async def test_duplicate_without_details_is_looked_up_again(
    org: SalesforceState, connector: SalesforceConnector
) -> None:
    org.duplicate_details_in_collections = False
    lead = org.add_lead("dupe@acme.com", "Existing")
    [outcome] = await connector.create_many([ContactData("dupe@acme.com", "D", "E")], "Contact")
    assert isinstance(outcome, CrmRecord) and outcome.id == lead
    assert org.calls["query"] == 2


async def test_required_fields_have_fallbacks_and_lengths_are_respected(
    org: SalesforceState, connector: SalesforceConnector
) -> None:
    contacts = [
        ContactData("solo@acme.com", first_name="Solo"),
        ContactData("anon@acme.com", title="T" * 300, location="Berlin"),
        ContactData("mapped@acme.com", "M", "Apped", crm_fields={"LeadSource": "Web"}),
    ]
    results = await connector.create_many(contacts, "Lead")
    assert all(isinstance(r, CrmRecord) for r in results)
    solo, anon, mapped = (org.records["Lead"][r.id] for r in results)
    assert (solo["LastName"], solo.get("FirstName"), solo["Company"]) == (
        "Solo",
        None,
        COMPANY_FALLBACK,
    )
    assert anon["LastName"] == "anon" and len(anon["Title"]) == 128 and anon["City"] == "Berlin"
    assert mapped["LeadSource"] == "Web"
    assert "Company" not in lead_or_contact_body(ContactData("c@acme.com"), "Contact")


async def test_a_refused_whole_call_fails_each_contact_not_the_pass(
    org: SalesforceState, connector: SalesforceConnector
) -> None:
    contacts = [ContactData(f"p{i}@acme.com", crm_fields={"Region__c": "EU"}) for i in range(2)]
    results = await connector.create_many(contacts, "Lead")
    assert all(isinstance(r, ValidationError) for r in results)
    assert "Region__c" in results[0].reason
    assert org.records["Lead"] == {}


async def test_expired_session_is_refreshed_once_and_the_call_repeated(
    org: SalesforceState, connector: SalesforceConnector
) -> None:
    await connector.find_by_emails(["a@acme.com"])
    assert org.oauth.calls["token.refresh_token"] == 1
    org.oauth.expire_access_tokens()

    [made] = await connector.create_many([ContactData("new@acme.com", "N", "Ew")], "Lead")

    assert isinstance(made, CrmRecord)
    assert org.oauth.calls["token.refresh_token"] == 2
    assert [c.status for c in org.log.where("composite/sobjects")] == [401, 200]
    assert len(org.people_with_email("new@acme.com")) == 1


async def test_a_session_is_reused_by_the_next_connector(
    org: SalesforceState, make_connector: Callable[..., SalesforceConnector]
) -> None:
    sessions = SessionCache()  # owned by whoever builds the connectors (the app)
    await make_connector(sessions=sessions).find_by_emails(["a@acme.com"])
    await make_connector(sessions=sessions).find_by_emails(["a@acme.com"])
    assert org.oauth.calls["token.refresh_token"] == 1


async def test_connectors_share_no_session_without_a_cache(
    org: SalesforceState, make_connector: Callable[..., SalesforceConnector]
) -> None:
    await make_connector().find_by_emails(["a@acme.com"])
    await make_connector().find_by_emails(["a@acme.com"])
    assert org.oauth.calls["token.refresh_token"] == 2


async def test_revoked_access_is_an_auth_error_asking_to_reconnect(
    org: SalesforceState, connector: SalesforceConnector, refresh_token: str
) -> None:
    await connector.find_by_emails(["a@acme.com"])
    org.oauth.revoke_refresh_token(refresh_token)
    with pytest.raises(AuthError) as caught:
        await connector.find_by_emails(["a@acme.com"])
    assert caught.value.code == "invalid_grant"
    assert "reconnect" in caught.value.reason.lower()
    assert refresh_token not in str(caught.value)


async def test_used_up_allowance_pauses_without_retrying(
    org: SalesforceState, make_connector: Callable[..., SalesforceConnector]
) -> None:
    noon = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    connector = make_connector(clock=lambda: noon)
    await connector.find_by_emails(["a@acme.com"])
    assert connector.api_usage == (2, 15_000)
    org.set_api_usage(15_000)
    calls_before = len(org.log)

    with pytest.raises(RateLimitError) as caught:
        await connector.find_by_emails(["a@acme.com"])

    assert caught.value.code == "REQUEST_LIMIT_EXCEEDED"
    assert caught.value.retry_after == 12 * 3600  # until the next UTC midnight
    assert "paused until about 2026-11-24 00:00 UTC" in caught.value.reason
    assert "15,000 of 15,000" in caught.value.reason
    assert len(org.log) == calls_before + 1  # not retried


async def test_configured_pause_for_the_allowance(
    org: SalesforceState, make_connector: Callable[..., SalesforceConnector]
) -> None:
    org.set_api_usage(100, limit=100)
    connector = make_connector(limit_pause_seconds=900)
    with pytest.raises(RateLimitError) as caught:
        await connector.create_many([ContactData("a@acme.com", "A", "B")], "Lead")
    assert caught.value.retry_after == 900


async def test_server_trouble_is_retried_then_transient(
    org: SalesforceState, connector: SalesforceConnector
) -> None:
    org.inject_fault("query", status=503, times=1)
    assert await connector.find_by_emails(["a@acme.com"]) == {}
    org.inject_fault("query", status=500, code="UNKNOWN_EXCEPTION", times=None)
    with pytest.raises(TransientError):
        await connector.find_by_emails(["a@acme.com"])


async def test_email_activity_is_a_completed_task_found_by_its_marker(
    org: SalesforceState, connector: SalesforceConnector
) -> None:
    lead = org.add_lead("lena@acme.com", "Lead")
    record = (await connector.find_by_emails(["lena@acme.com"]))["lena@acme.com"]
    activity = ActivityRecord(
        ActivityKind.REPLIED,
        datetime(2026, 11, 20, 15, 30, tzinfo=UTC),
        "Q4 Backend",
        "7-42",
        subject="Quick question",
        snippet="Sounds  great,\nlet's talk",
        sentiment="interested",
    )
    assert not await connector.activity_exists(record, "7-42")

    task_id = await connector.log_activity(record, activity)

    [task] = org.tasks_for(lead)
    assert task["Id"] == task_id
    assert task["WhoId"] == lead
    assert (task["TaskSubtype"], task["Status"], task["Type"]) == ("Email", "Completed", "Email")
    assert task["Subject"] == "Reply (interested): Quick question"
    assert "Sounds great, let's talk" in task["Description"]
    assert task["ActivityDate"] == "2026-11-20"
    assert await connector.activity_exists(record, "7-42")
    assert not await connector.activity_exists(record, "7-4")


async def test_describe_fields_reports_required_fields_picklists_and_lengths(
    connector: SalesforceConnector,
) -> None:
    fields = {f.name: f for f in await connector.describe_fields("Lead")}
    assert fields["LastName"].required and fields["Company"].required
    assert not fields["Status"].required  # defaulted on create
    assert "Web" in fields["LeadSource"].picklist
    assert fields["Title"].max_length == 128
    assert "Id" not in fields and "IsConverted" not in fields  # not createable
    contact_fields = {f.name for f in await connector.describe_fields("Contact")}
    assert "Company" not in contact_fields and "MailingCity" in contact_fields


async def test_verify_names_the_user_and_org(
    org: SalesforceState, connector: SalesforceConnector
) -> None:
    identity = await connector.verify()
    assert identity.label == "sync@acme.test (acme.my.salesforce.test)"
    assert identity.account_id == org.oauth.org_id


async def test_jobs_are_not_a_salesforce_thing(connector: SalesforceConnector) -> None:
    assert await connector.list_jobs() == []
    record = CrmRecord("00Q000000000001AAA", "Lead", ())
    with pytest.raises(Exception, match="no jobs"):
        await connector.assign_to_job(record, "job-1")


def test_limit_info_header_parsing() -> None:
    assert parse_limit_info("api-usage=18/15000") == (18, 15000)
    assert parse_limit_info("api-usage=5/100; per-app-api-usage=1/50(appName=x)") == (5, 100)
    assert parse_limit_info(None) is None


async def test_backslashes_and_double_quotes_survive_escaping(
    org: SalesforceState, connector: SalesforceConnector
) -> None:
    odd = 'quote"and\\slash@acme.com'
    contact = org.add_contact(odd, "Odd")
    found = await connector.find_by_emails([odd])
    assert found[odd].id == contact
    assert all(c.status == 200 for c in org.log)


async def test_addresses_too_long_for_salesforce_are_not_looked_up_and_refused_on_create(
    org: SalesforceState, connector: SalesforceConnector
) -> None:
    long_email = "a" * 90 + "@acme.com"
    assert await connector.find_by_emails([long_email]) == {}
    assert org.calls["query"] == 0
    [refused] = await connector.create_many([ContactData(long_email, "A", "B")], "Lead")
    assert isinstance(refused, ValidationError) and "STRING_TOO_LONG" in refused.reason


async def test_a_stale_stored_session_is_replaced_by_the_refreshed_one(
    org: SalesforceState, make_connector: Callable[..., SalesforceConnector]
) -> None:
    stored = org.oauth.issue_access_token("3MVG9-unit-client", "sync@acme.test")
    org.oauth.expire_access_tokens()
    sessions = SessionCache()
    await make_connector(access_token=stored, sessions=sessions).find_by_emails(["a@acme.com"])
    await make_connector(access_token=stored, sessions=sessions).find_by_emails(["a@acme.com"])
    assert org.oauth.calls["token.refresh_token"] == 1
