"""The Salesforce emulator speaks the documented REST API: paths, auth, envelopes, limits."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sandbox.salesforce import SalesforceState
from sandbox.salesforce.ids import is_record_id, to_18


@pytest.fixture
def kind() -> str:
    return "salesforce"


async def soql(api: httpx.AsyncClient, text: str) -> httpx.Response:
    return await api.get("query", params={"q": text})


def lead(**values: Any) -> dict[str, Any]:
    return {"attributes": {"type": "Lead"}, "LastName": "Doe", "Company": "Acme", **values}


def test_ids_have_the_case_checksum() -> None:
    assert to_18("001A0000006Vm9r") == "001A0000006Vm9rIAC"
    assert is_record_id("001A0000006Vm9rIAC", "001")
    assert not is_record_id("001A0000006Vm9rAAA")


async def test_every_answer_carries_the_limit_header_and_the_allowance_runs_out(
    state: SalesforceState, api: httpx.AsyncClient
) -> None:
    state.set_api_usage(0, limit=2)
    first = await soql(api, "SELECT Id FROM Lead")
    assert first.headers["Sforce-Limit-Info"] == "api-usage=1/2"
    await soql(api, "SELECT Id FROM Lead")
    refused = await soql(api, "SELECT Id FROM Lead")
    assert refused.status_code == 403
    assert refused.json() == [
        {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
    ]
    assert refused.headers["Sforce-Limit-Info"] == "api-usage=2/2"
    assert "Retry-After" not in refused.headers


async def test_missing_or_expired_session_is_invalid_session_id(
    state: SalesforceState, api: httpx.AsyncClient
) -> None:
    state.oauth.expire_access_tokens()
    response = await soql(api, "SELECT Id FROM Lead")
    assert response.status_code == 401
    assert response.json()[0]["errorCode"] == "INVALID_SESSION_ID"
    assert state.api_usage == 0


async def test_query_filters_case_insensitively_and_pages(
    state: SalesforceState, api: httpx.AsyncClient
) -> None:
    state.query_batch_size = 2
    for i in range(3):
        state.add_lead(f"p{i}@acme.com", f"P{i}")
    state.add_lead("x@acme.com", "X", converted_to=state.add_contact("x@acme.com", "X"))
    text = (
        "SELECT Id, Email FROM Lead WHERE IsConverted = false AND Email IN "
        "('P0@ACME.COM','p1@acme.com','p2@acme.com','x@acme.com') ORDER BY Email DESC"
    )
    page = (await soql(api, text)).json()
    assert page["totalSize"] == 3 and page["done"] is False
    assert [r["Email"] for r in page["records"]] == ["p2@acme.com", "p1@acme.com"]
    assert page["records"][0]["attributes"]["type"] == "Lead"
    rest = (await api.get(page["nextRecordsUrl"].removeprefix("/services/data/v60.0/"))).json()
    assert rest["done"] is True and [r["Email"] for r in rest["records"]] == ["p0@acme.com"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("SELECT Id FROM Lead WHERE", "MALFORMED_QUERY"),
        ("SELECT Id FROM Lead WHERE Email = 'unterminated", "MALFORMED_QUERY"),
        ("SELECT Foo__c FROM Lead", "INVALID_FIELD"),
        ("SELECT Id FROM Task WHERE Description LIKE '%x%'", "INVALID_FIELD"),
        ("SELECT Id FROM Foo", "INVALID_TYPE"),
    ],
)
async def test_bad_queries_get_salesforce_errors(api: httpx.AsyncClient, text, code) -> None:
    response = await soql(api, text)
    assert response.status_code == 400
    [error] = response.json()
    assert error["errorCode"] == code and error["message"]


async def test_escaped_quotes_match_and_cannot_break_out(
    state: SalesforceState, api: httpx.AsyncClient
) -> None:
    state.add_lead("o'brien@acme.com", "O'Brien")
    state.add_lead("other@acme.com", "Other")
    found = (await soql(api, "SELECT Id FROM Lead WHERE Email = 'o\\'brien@acme.com'")).json()
    assert found["totalSize"] == 1
    sneaky = "SELECT Id FROM Lead WHERE Email = 'x\\' OR Email != \\'y'"
    assert (await soql(api, sneaky)).json()["totalSize"] == 0


async def test_too_long_uri_is_414(state: SalesforceState, api: httpx.AsyncClient) -> None:
    state.max_uri_length = 500
    emails = ",".join(f"'p{i}@acme.com'" for i in range(60))
    response = await soql(api, f"SELECT Id FROM Lead WHERE Email IN ({emails})")
    assert response.status_code == 414
    assert state.calls["uri_too_long"] == 1 and state.api_usage == 0


async def test_single_create_validates_against_describe(api: httpx.AsyncClient) -> None:
    missing = await api.post("sobjects/Lead", json={"Email": "a@acme.com"})
    assert missing.status_code == 400
    assert missing.json() == [
        {
            "message": "Required fields are missing: [LastName, Company]",
            "errorCode": "REQUIRED_FIELD_MISSING",
            "fields": ["LastName", "Company"],
        }
    ]
    too_long = await api.post("sobjects/Lead", json=lead(FirstName="F" * 41))
    assert too_long.json()[0]["errorCode"] == "STRING_TOO_LONG"
    bad_email = await api.post("sobjects/Lead", json=lead(Email="nope"))
    assert bad_email.json()[0]["errorCode"] == "INVALID_EMAIL_ADDRESS"
    unknown = await api.post("sobjects/Lead", json=lead(Foo__c="x"))
    assert unknown.json()[0]["errorCode"] == "INVALID_FIELD"
    created = await api.post("sobjects/Lead", json=lead(Email="a@acme.com"))
    assert created.status_code == 201
    body = created.json()
    assert body["success"] is True and body["errors"] == [] and body["id"].startswith("00Q")


async def test_duplicate_rule_names_the_match_unless_allow_save(
    state: SalesforceState, api: httpx.AsyncClient
) -> None:
    existing = state.add_contact("dupe@acme.com", "Existing")
    refused = await api.post("sobjects/Lead", json=lead(Email="DUPE@acme.com"))
    assert refused.status_code == 400
    [error] = refused.json()
    assert error["errorCode"] == "DUPLICATES_DETECTED"
    [match] = error["duplicateResult"]["matchResults"]
    assert match["entityType"] == "Contact"
    assert match["matchRecords"][0]["record"]["Id"] == existing
    header = {"Sforce-Duplicate-Rule-Header": "allowSave=true; includeRecordDetails=true"}
    saved = await api.post("sobjects/Lead", json=lead(Email="dupe@acme.com"), headers=header)
    assert saved.status_code == 201
    state.duplicate_action = "block"
    blocked = await api.post("sobjects/Lead", json=lead(Email="dupe@acme.com"), headers=header)
    assert blocked.json()[0]["errorCode"] == "DUPLICATES_DETECTED"


async def test_collections_answer_per_record_in_order(
    state: SalesforceState, api: httpx.AsyncClient
) -> None:
    state.add_lead("dupe@acme.com", "Existing")
    records = [lead(Email="a@acme.com"), lead(Company=None), lead(Email="dupe@acme.com")]
    response = await api.post("composite/sobjects", json={"allOrNone": False, "records": records})
    assert response.status_code == 200
    ok, missing, duplicate = response.json()
    assert ok["success"] and ok["id"].startswith("00Q")
    assert missing == {
        "success": False,
        "errors": [
            {
                "statusCode": "REQUIRED_FIELD_MISSING",
                "message": "Required fields are missing: [Company]",
                "fields": ["Company"],
            }
        ],
    }
    assert duplicate["errors"][0]["statusCode"] == "DUPLICATES_DETECTED"
    assert state.calls["composite/sobjects"] == 1 and state.api_usage == 1


async def test_collections_all_or_none_rolls_everything_back(
    state: SalesforceState, api: httpx.AsyncClient
) -> None:
    records = [lead(Email="a@acme.com"), lead(LastName=None)]
    response = await api.post("composite/sobjects", json={"allOrNone": True, "records": records})
    first, second = response.json()
    assert first["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert second["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    assert state.records["Lead"] == {}


async def test_collections_take_at_most_200(api: httpx.AsyncClient) -> None:
    records = [lead(Email=f"p{i}@acme.com") for i in range(201)]
    response = await api.post("composite/sobjects", json={"allOrNone": False, "records": records})
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "EXCEEDED_ID_LIMIT"


async def test_describe_has_realistic_fields(api: httpx.AsyncClient) -> None:
    described = (await api.get("sobjects/Task/describe")).json()
    fields = {f["name"]: f for f in described["fields"]}
    assert described["keyPrefix"] == "00T"
    assert fields["TaskSubtype"]["restrictedPicklist"] and not fields["TaskSubtype"]["updateable"]
    assert "Email" in [v["value"] for v in fields["TaskSubtype"]["picklistValues"]]
    assert fields["Subject"]["length"] == 255 and not fields["Description"]["filterable"]
    assert fields["Status"]["defaultedOnCreate"] and not fields["Status"]["nillable"]
    assert (await api.get("sobjects/Nope/describe")).status_code == 404


async def test_task_needs_a_real_person_and_a_known_subtype(
    state: SalesforceState, api: httpx.AsyncClient
) -> None:
    who = state.add_lead("a@acme.com", "A")
    bad_who = await api.post("sobjects/Task", json={"WhoId": "00Q000000000000AAA"})
    assert bad_who.json()[0]["errorCode"] == "INVALID_CROSS_REFERENCE_KEY"
    bad_type = await api.post("sobjects/Task", json={"WhoId": who, "TaskSubtype": "Fax"})
    assert bad_type.json()[0]["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    ok = await api.post("sobjects/Task", json={"WhoId": who, "TaskSubtype": "Email"})
    assert ok.status_code == 201
    [task] = state.tasks_for(who)
    assert (task["Status"], task["Priority"]) == ("Not Started", "Normal")


async def test_injected_faults_use_the_error_format(
    state: SalesforceState, api: httpx.AsyncClient
) -> None:
    state.inject_fault("query", status=400, code="UNABLE_TO_LOCK_ROW", message="locked")
    locked = await soql(api, "SELECT Id FROM Lead")
    assert locked.json() == [{"message": "locked", "errorCode": "UNABLE_TO_LOCK_ROW"}]
    state.inject_fault(status=429, retry_after=3)
    slow = await soql(api, "SELECT Id FROM Lead")
    assert slow.status_code == 429 and slow.headers["Retry-After"] == "3"
    assert (await soql(api, "SELECT Id FROM Lead")).status_code == 200
    assert [c.status for c in state.log] == [400, 429, 200]
