"""The Recruiterflow emulator speaks the vendor's contract: auth bodies, list envelopes,
paging, write answers, stages and activity-type rules."""

from __future__ import annotations

import httpx
import pytest

from sandbox.recruiterflow import RecruiterflowState
from tests.support.emulators import SEEDS

BASE_URL = SEEDS["recruiterflow"].url


@pytest.fixture
def kind() -> str:
    return "recruiterflow"


async def test_missing_and_wrong_keys(transport: httpx.ASGITransport) -> None:
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as raw:
        missing = await raw.post("/api/external/info")
        wrong = await raw.post("/api/external/info", headers={"RF-Api-Key": "nope"})
    assert (missing.status_code, missing.json()) == (400, {"message": "Please supply an API key"})
    assert (wrong.status_code, wrong.json()) == (401, {"message": "Invalid API key"})


async def test_lists_are_bare_arrays_until_include_count(
    api: httpx.AsyncClient, state: RecruiterflowState
) -> None:
    for i in range(5):
        state.add_candidate(f"C{i}", "X", f"c{i}@example.com")
    bare = (await api.get("/candidate/list", params={"items_per_page": 2})).json()
    assert isinstance(bare, list) and len(bare) == 2
    counted = await api.get(
        "/candidate/list", params={"items_per_page": 2, "current_page": 3, "include_count": "true"}
    )
    assert counted.json()["total_items"] == 5 and len(counted.json()["data"]) == 1


async def test_search_accepts_both_filter_spellings_and_writes_none_strings(
    api: httpx.AsyncClient, state: RecruiterflowState
) -> None:
    state.add_candidate("Ada", "L", "ada@example.com")
    base = {"conjunction": "match-all", "current_page": 1, "items_per_page": 10}
    for flt in (
        {"key": "email", "type": "text", "conjunction": "in", "values": ["ADA@example.com"]},
        {"key": "email", "filter_type": "contains", "values": ["ada@"]},
    ):
        rows = (await api.post("/candidate/search", json={**base, "filters": [flt]})).json()
        assert [r["first_name"] for r in rows] == ["Ada"]
        assert rows[0]["current_designation"] == "None"
    missing = await api.post("/candidate/search", json={"filters": []})
    assert missing.status_code == 400 and missing.json()["RESULT"] == "FAILURE"


async def test_add_then_add_to_job_lands_in_sourced(
    api: httpx.AsyncClient, state: RecruiterflowState
) -> None:
    job = state.add_job("Backend")
    added = (await api.post("/candidate/add", json={"name": "Ada L"})).json()
    assert added["RESULT"] == "SUCCESS" and isinstance(added["data"]["id"], int)
    body = {"id": added["data"]["id"], "job_id": job.id}
    assert (await api.post("/candidate/add-to-job", json=body)).json() == {"RESULT": "SUCCESS"}
    [candidate] = (await api.get("/candidate/get", params={"id": added["data"]["id"]})).json()
    assert [(j["job_id"], j["stage_name"]) for j in candidate["jobs"]] == [(job.id, "Sourced")]
    again = await api.post("/candidate/add-to-job", json=body)
    assert again.status_code == 400 and again.json()["RESULT"] == "FAILURE"


async def test_only_custom_activity_types_can_be_created(
    api: httpx.AsyncClient, state: RecruiterflowState
) -> None:
    cand = state.add_candidate("Ada", "L", "ada@example.com")
    entities = {"candidates": [cand.id]}
    builtin = await api.post(
        "/custom-activity/create", json={"activity_type_id": 2, "associated_entities": entities}
    )
    unknown = await api.post(
        "/custom-activity/create", json={"activity_type_id": 9999, "associated_entities": entities}
    )
    assert builtin.status_code == 400
    assert (unknown.status_code, unknown.json()["message"]) == (404, "Invalid activity type id.")
    custom = state.add_activity_type("Outreach email")
    made = await api.post(
        "/custom-activity/create",
        json={
            "activity_type_id": custom["id"],
            "associated_entities": entities,
            "activity_text": "hi",
        },
    )
    assert made.json()["data"]["activity_id"]
    listed = (await api.get("/candidate/activity/list", params={"id": cand.id})).json()
    assert [a["text"] for a in listed["data"]] == ["hi"] and listed["total_items"] == 1


@pytest.mark.parametrize("status", [429, 502])
async def test_injected_faults_carry_retry_after_and_count_calls(
    api: httpx.AsyncClient, state: RecruiterflowState, status: int
) -> None:
    state.inject_fault("job/list", status=status, retry_after=4)
    failed = await api.get("/job/list")
    assert failed.status_code == status and failed.headers["Retry-After"] == "4"
    assert (await api.get("/job/list")).status_code == 200
    assert state.calls["job/list"] == 2
