"""The PCRecruiter emulator speaks the vendor's contract: sessions, the Query grammar, paths,
envelopes and errors."""

from __future__ import annotations

import httpx
import pytest

from sandbox.kernel import ManualClock
from sandbox.pcrecruiter import PCRecruiterState, QueryError, parse_query
from tests.support.emulators import PCR_LOGIN as LOGIN
from tests.support.emulators import SEEDS

ADA = {"FirstName": "Ada", "LastName": "O'Hara", "Status": "candidate", "Salary": "120"}
BODY = {
    "Username": LOGIN["username"],
    "Password": LOGIN["password"],
    "DatabaseId": LOGIN["database_id"],
    "ApiKey": LOGIN["api_key"],
    "AppId": LOGIN["app_id"],
}


@pytest.fixture
def kind() -> str:
    return "pcrecruiter"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(1_000_000.0)


@pytest.fixture
def state(clock: ManualClock) -> PCRecruiterState:
    return SEEDS["pcrecruiter"].new(session_timeout=60, clock=clock)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("FirstName eq 'ada'", True),
        ("firstname eq Ada", True),
        ("LastName eq 'O''Hara'", True),
        ("LastName sw 'o''h' AND Status ne 'contact'", True),
        ("FirstName eq 'Bob' OR (Status eq 'candidate' AND Salary gt 100)", True),
        ("(FirstName eq 'Bob' OR Status eq 'candidate') AND Salary lt 100", False),
        ("LastName co 'har' AND LastName ew 'ara'", True),
        ("Salary ge 120 AND Salary le 120", True),
    ],
)
def test_query_grammar(query: str, expected: bool) -> None:
    assert parse_query(query)(ADA) is expected


def test_exists_matches_custom_field_values() -> None:
    row = {"CustomFields": [{"FieldName": "Language", "Values": ["English", "French"]}]}
    assert parse_query(
        "EXISTS (CustomFields.FieldName eq 'Language' AND CustomFields.Value eq 'French')"
    )(row)
    assert not parse_query(
        "EXISTS (CustomFields.FieldName eq 'Language' AND CustomFields.Value eq 'German')"
    )(row)


@pytest.mark.parametrize("bad", ["FirstName eq", "FirstName is 'x'", "(FirstName eq 'x'", "'x"])
def test_bad_queries_are_refused(bad: str) -> None:
    with pytest.raises(QueryError):
        parse_query(bad)


async def test_login_by_body_or_query_and_bad_login(api: httpx.AsyncClient) -> None:
    by_body = await api.post("/rest/api/access-token", json=BODY)
    by_query = await api.get("/rest/api/access-token", params=BODY)
    assert by_body.json()["SessionId"] and by_query.json()["SessionId"]
    bad = await api.post("/rest/api/access-token", json={**BODY, "Password": "no"})
    assert bad.status_code == 401 and bad.json()["Message"] == bad.json()["message"]


async def test_sessions_work_by_header_or_query_and_slide(
    api: httpx.AsyncClient, state: PCRecruiterState, clock: ManualClock
) -> None:
    state.add_candidate("Ada", "L", "ada@example.com")
    token = (await api.post("/rest/api/access-token", json=BODY)).json()["SessionId"]
    header = {"Authorization": f"Bearer {token}"}
    assert (await api.get("/rest/api/CandidatesV2", headers=header)).status_code == 200
    assert (await api.get("/REST/API/candidates", params={"SessionId": token})).status_code == 200
    clock.advance(50)
    assert (await api.get("/rest/api/candidates", headers=header)).status_code == 200
    clock.advance(50)  # 100s after login but only 50s idle
    assert (await api.get("/rest/api/candidates", headers=header)).status_code == 200
    clock.advance(61)
    assert (await api.get("/rest/api/candidates", headers=header)).status_code == 401
    assert (await api.get("/rest/api/candidates")).status_code == 401


async def test_search_envelope_fields_and_paging(
    api: httpx.AsyncClient, state: PCRecruiterState
) -> None:
    for i in range(7):
        state.add_candidate(f"C{i}", "X", f"c{i}@example.com")
    token = (await api.post("/rest/api/access-token", json=BODY)).json()["SessionId"]
    page = await api.get(
        "/rest/api/candidates",
        params={
            "Query": "LastName eq 'X'",
            "Fields": "CandidateId,FirstName",
            "ResultsPerPage": 3,
            "Page": 3,
        },
        headers={"Authorization": f"BEARER {token}"},
    )
    body = page.json()
    assert body["TotalRecords"] == 7 and [r["FirstName"] for r in body["Results"]] == ["C6"]
    assert set(body["Results"][0]) == {"CandidateId", "FirstName"}


async def test_injected_fault_has_retry_after(
    api: httpx.AsyncClient, state: PCRecruiterState
) -> None:
    state.inject_fault("candidates", status=429, retry_after=9)
    token = (await api.post("/rest/api/access-token", json=BODY)).json()["SessionId"]
    response = await api.get("/rest/api/candidates", headers={"Authorization": f"BEARER {token}"})
    assert response.status_code == 429 and response.headers["Retry-After"] == "9"
    assert state.calls["candidates"] == 1
