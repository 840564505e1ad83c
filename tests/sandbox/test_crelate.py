"""The Crelate api3 emulator speaks the documented dialect: auth, envelope, paging, errors."""

from __future__ import annotations

import httpx
import pytest

from sandbox.crelate import CrelateState
from tests.support.emulators import CRELATE_KEY as API_KEY
from tests.support.emulators import SEEDS

BASE_URL = SEEDS["crelate"].url


@pytest.fixture
def kind() -> str:
    return "crelate"


async def test_key_in_header_any_casing_or_query(transport) -> None:
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL + "/") as client:
        assert (await client.get("users/self", headers={"X-API-KEY": API_KEY})).status_code == 200
        by_query = await client.get("users/self", params={"api_key": API_KEY})
        assert by_query.json()["Data"]["FullName"] == "Sam Recruiter"
        # Crelate echoes the URL, query and all: the reason clients use the header.
        assert API_KEY in by_query.json()["Metadata"]["Url"]
        missing = await client.get("contacts")
    assert missing.status_code == 401
    body = missing.json()
    assert body["Data"] is None and body["Errors"] == [{"Message": "Unauthorized"}]
    assert set(body["Metadata"]) == {
        "CorrelationId",
        "TimeStamp",
        "Url",
        "Verb",
        "TotalRecords",
        "MoreRecords",
        "Links",
    }


async def test_create_is_201_with_the_id_and_owned_by_the_key(api, state: CrelateState) -> None:
    entity = {
        "FirstName": "Ada",
        "LastName": "Lovelace",
        "RecordType": 1,
        "EmailAddresses_Work": {"Value": "ada@example.com", "IsPrimary": True},
    }
    response = await api.post("contacts", json={"entity": entity})
    assert response.status_code == 201
    new_id = response.json()["Data"]
    assert state.contacts[new_id]["Owners"][0]["Title"] == "Sam Recruiter"
    found = await api.get("contacts", params={"emails": "ADA@example.com"})
    assert [c["Id"] for c in found.json()["Data"]] == [new_id]
    assert found.json()["Data"][0]["Name"] == "Lovelace, Ada"


async def test_missing_required_attributes_are_http_500_naming_them(api) -> None:
    contact = await api.post("contacts", json={"entity": {"RecordType": 1}})
    assert contact.status_code == 500
    assert "required" in contact.json()["Errors"][0]["Message"]
    job = await api.post("jobs", json={"entity": {"NumberOfOpenings": 1}})
    assert job.status_code == 500 and "Name is required" in job.json()["Errors"][0]["Message"]
    unknown = await api.get("contacts/0d4c7a2e-0000-0000-0000-000000000000")
    assert unknown.status_code == 404


async def test_limit_is_clamped_to_100_and_paging_reports_totals(api, state) -> None:
    for i in range(130):
        state.add_job(f"Job {i:03d}")
    first = (await api.get("jobs", params={"limit": 500})).json()
    assert len(first["Data"]) == 100
    assert (first["Metadata"]["TotalRecords"], first["Metadata"]["MoreRecords"]) == (130, True)
    last = (await api.get("jobs", params={"limit": 100, "offset": 100})).json()
    assert len(last["Data"]) == 30 and last["Metadata"]["MoreRecords"] is False


async def test_pipeline_add_is_an_upsert_that_moves_the_stage(api, state) -> None:
    state.set_statuses(["Sourced", "Messaged", "Replied"])
    job = state.add_job("Backend")
    contact = state.add_contact("Ada", "L", "ada@example.com")
    path = f"jobs/{job['Id']}/contacts"
    assert (await api.post(path, params={"contact_ids": contact["Id"]}, json={})).status_code == 200
    await api.post(path, params={"contact_ids": contact["Id"]}, json={"statusName": "Replied"})
    assert state.stage_names(job["Id"], contact["Id"]) == ["Sourced", "Replied"]
    on_job = await api.get("contacts", params={"job_ids": job["Id"]})
    assert [c["Id"] for c in on_job.json()["Data"]] == [contact["Id"]]
    history = await api.get(f"{path}/history", params={"contact_id": contact["Id"]})
    assert history.json()["Data"][0]["Stage"]["Title"] == "Replied"
    bad = await api.post(path, params={"contact_ids": contact["Id"]}, json={"statusName": "Nope"})
    assert bad.status_code == 400


async def test_activities_accept_html_in_either_casing(api, state) -> None:
    contact = state.add_contact("Ada", "L", "ada@example.com")
    verb = state.activity_types[0]["Id"]
    entity = {
        "ParentId": {"Id": contact["Id"], "EntityName": "Contacts"},
        "VerbId": {"Id": verb},
        "Subject": "Hi",
        "HTML": "<p>x</p>",
    }
    response = await api.post("activities", json={"entity": entity})
    assert response.status_code == 200
    [activity] = state.activities_of(contact["Id"])
    assert activity["Html"] == "<p>x</p>"
    listed = await api.get("activities", params={"parent_ids": contact["Id"]})
    assert len(listed.json()["Data"]) == 1


async def test_injected_faults_and_call_counts(api, state) -> None:
    state.inject_fault("GET /contacts", status=429, retry_after=3)
    limited = await api.get("contacts")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "3"
    assert limited.json()["Errors"][0]["Message"]
    assert (await api.get("contacts")).status_code == 200
    assert state.calls["GET /contacts"] == 2


async def test_tags_list_and_filter_members(api, state) -> None:
    state.add_contact("Ada", "L", "ada@example.com", tags=["Shortlist"])
    state.add_contact("No", "Email", None, tags=["Shortlist"])
    state.add_contact("Other", "One", "o@example.com")
    tags = (await api.get("tags")).json()["Data"]
    assert [t["Title"] for t in tags] == ["Shortlist"]
    members = (await api.get("contacts", params={"tag_names": "Shortlist"})).json()["Data"]
    assert len(members) == 2
