"""The Ashby emulator speaks the documented API: auth, envelopes, validation, paging, faults."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from sandbox.ashby import ALL_PERMISSIONS, AshbyState, create_app
from tests.support.emulators import ASHBY_KEY, SEEDS


@pytest.fixture
def kind() -> str:
    return "ashby"


@pytest.fixture
def api_key() -> str:
    return ASHBY_KEY


@pytest.fixture
def base_url() -> str:
    return SEEDS["ashby"].url


async def post(api: httpx.AsyncClient, method: str, body: Any = None, **kw: Any) -> httpx.Response:
    return await api.post(f"/{method}", json={} if body is None else body, **kw)


def assert_error(response: httpx.Response, code: str, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status
    body = response.json()
    assert body["success"] is False
    assert body["errors"] == [code]
    assert body["errorInfo"]["code"] == code
    assert body["errorInfo"]["message"]
    assert body["errorInfo"]["requestId"]
    return body


# --- auth -------------------------------------------------------------------------------------


async def test_missing_key_is_401(transport, base_url):
    async with httpx.AsyncClient(transport=transport, base_url=base_url) as anonymous:
        assert_error(await post(anonymous, "apiKey.info"), "unauthenticated", 401)


async def test_unknown_key_is_403(transport, base_url):
    auth = httpx.BasicAuth("not-a-key", "")
    async with httpx.AsyncClient(transport=transport, base_url=base_url, auth=auth) as stranger:
        assert_error(await post(stranger, "apiKey.info"), "invalid_api_key", 403)


async def test_disabled_key_is_403(api, state, api_key):
    state.disable_api_key(api_key)
    assert_error(await post(api, "job.list"), "invalid_api_key", 403)


async def test_key_without_the_module_permission_is_403_missing_endpoint_permission(
    api, state, api_key
):
    state.add_api_key(api_key, permissions=ALL_PERMISSIONS - {"candidatesWrite"})
    response = await post(api, "candidate.create", {"name": "Jane"})
    body = assert_error(response, "missing_endpoint_permission", 403)
    assert "candidatesWrite" in body["errorInfo"]["message"]
    assert (await post(api, "candidate.search", {"email": "a@b.co"})).json()["success"] is True


async def test_api_key_info_reports_title_and_scopes(api):
    results = (await post(api, "apiKey.info")).json()["results"]
    assert results["title"] == "Sync bot"
    assert {"candidates:read", "candidates:write", "jobs:read"} <= set(results["scopes"])


async def test_unknown_method_is_404(api):
    assert_error(await post(api, "candidate.teleport"), "resource_not_found", 404)


# --- validation -------------------------------------------------------------------------------


async def test_malformed_json_is_invalid_input(api):
    response = await api.post(
        "/candidate.create", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert_error(response, "invalid_input")


async def test_non_object_body_is_invalid_input(api):
    assert_error(await post(api, "candidate.create", ["Jane"]), "invalid_input")


@pytest.mark.parametrize(
    ("method", "body"),
    [
        ("candidate.create", {}),
        ("candidate.create", {"name": 42}),
        ("candidate.create", {"name": "Jane", "linkedInUrl": "not a url"}),
        ("candidate.create", {"name": "Jane", "email": "jane-at-acme"}),
        ("candidate.search", {}),
        ("candidate.createNote", {"candidateId": str(uuid.uuid4())}),
        ("candidate.createNote", {"candidateId": "nope", "note": "hi"}),
        ("application.create", {"candidateId": str(uuid.uuid4())}),
        ("job.list", {"status": ["Paused"]}),
        ("job.list", {"limit": "ten"}),
        ("job.search", {}),
        ("candidate.listNotes", {}),
    ],
)
async def test_bad_bodies_are_invalid_input_with_http_200(api, method, body):
    assert_error(await post(api, method, body), "invalid_input")


# --- candidates -------------------------------------------------------------------------------


async def test_candidate_create_returns_a_candidate_with_uuid_and_profile_url(api):
    body = {
        "name": "Jane Doe",
        "email": "jane@acme.com",
        "phoneNumber": "555-555-5555",
        "linkedInUrl": "https://linkedin.com/in/jane",
        "location": {"city": "San Francisco", "country": "United States"},
    }
    candidate = (await post(api, "candidate.create", body)).json()["results"]
    uuid.UUID(candidate["id"])
    assert candidate["primaryEmailAddress"]["value"] == "jane@acme.com"
    assert candidate["socialLinks"] == [{"type": "LinkedIn", "url": body["linkedInUrl"]}]
    assert candidate["location"]["locationSummary"] == "United States, San Francisco"
    assert candidate["profileUrl"].endswith(candidate["id"])
    assert candidate["applicationIds"] == []


async def test_candidate_create_does_not_dedupe(api, state):
    for _ in range(2):
        await post(api, "candidate.create", {"name": "Jane", "email": "jane@acme.com"})
    assert len(state.candidates) == 2
    found = (await post(api, "candidate.search", {"email": "jane@acme.com"})).json()["results"]
    assert len(found) == 2


async def test_search_is_case_insensitive_across_all_emails(api, state):
    jane = state.add_candidate("Jane", "Jane@Acme.com", alternate_emails=["J.Doe@Work.io"])
    state.add_candidate("Joe", "joe@acme.com")
    for email in ("jane@acme.com", "JANE@ACME.COM", "j.doe@work.io"):
        found = (await post(api, "candidate.search", {"email": email})).json()["results"]
        assert [c["id"] for c in found] == [jane.id]


async def test_search_by_name_and_email_combines_with_and(api, state):
    state.add_candidate("Jane Doe", "jane@acme.com")
    state.add_candidate("Jane Roe", "roe@acme.com")
    found = await post(api, "candidate.search", {"name": "jane", "email": "roe@acme.com"})
    assert [c["name"] for c in found.json()["results"]] == ["Jane Roe"]


async def test_search_is_capped_at_100(api, state):
    for i in range(105):
        state.add_candidate(f"Sam {i}", f"sam{i}@acme.com")
    found = (await post(api, "candidate.search", {"name": "sam"})).json()
    assert len(found["results"]) == 100
    assert "moreDataAvailable" not in found


async def test_candidate_info_by_id_and_unknown_id(api, state):
    jane = state.add_candidate("Jane", "jane@acme.com")
    assert (await post(api, "candidate.info", {"id": jane.id})).json()["results"]["id"] == jane.id
    missing = await post(api, "candidate.info", {"id": str(uuid.uuid4())})
    assert_error(missing, "candidate_not_found")


# --- notes ------------------------------------------------------------------------------------


async def test_notes_accept_strings_and_typed_html(api, state):
    jane = state.add_candidate("Jane", "jane@acme.com")
    plain = await post(api, "candidate.createNote", {"candidateId": jane.id, "note": "Hello"})
    note = plain.json()["results"]
    assert note["content"] == "Hello" and note["isPrivate"] is False and note["author"]["id"]
    html_note = {"type": "text/html", "value": "<p><b>Hi</b> <script>x</script></p>"}
    rich = await post(api, "candidate.createNote", {"candidateId": jane.id, "note": html_note})
    assert rich.json()["results"]["content"] == "<b>Hi</b> x"
    listed = (await post(api, "candidate.listNotes", {"candidateId": jane.id})).json()
    assert {n["id"] for n in listed["results"]} == {note["id"], rich.json()["results"]["id"]}
    assert listed["moreDataAvailable"] is False


async def test_note_on_unknown_candidate_fails(api):
    body = {"candidateId": str(uuid.uuid4()), "note": "Hello"}
    assert_error(await post(api, "candidate.createNote", body), "candidate_not_found")


# --- applications -----------------------------------------------------------------------------


async def test_application_create_rejects_an_exact_duplicate(api, state):
    jane = state.add_candidate("Jane", "jane@acme.com")
    job = state.add_job("Engineer")
    body = {"candidateId": jane.id, "jobId": job.id}
    app = (await post(api, "application.create", body)).json()["results"]
    assert app["job"]["id"] == job.id and app["candidate"]["id"] == jane.id
    assert app["status"] == "Lead"
    assert_error(await post(api, "application.create", body), "application_already_exists")
    assert jane.application_ids == [app["id"]]
    info = (await post(api, "application.info", {"applicationId": app["id"]})).json()
    assert info["results"]["id"] == app["id"]


async def test_application_create_for_unknown_job_fails(api, state):
    jane = state.add_candidate("Jane", "jane@acme.com")
    body = {"candidateId": jane.id, "jobId": str(uuid.uuid4())}
    assert_error(await post(api, "application.create", body), "job_not_found")


async def test_application_list_filters_by_job(api, state):
    jane, joe = state.add_candidate("Jane"), state.add_candidate("Joe")
    eng, sales = state.add_job("Engineer"), state.add_job("Sales")
    for candidate, job in ((jane, eng), (joe, eng), (jane, sales)):
        await post(api, "application.create", {"candidateId": candidate.id, "jobId": job.id})
    listed = (await post(api, "application.list", {"jobId": eng.id})).json()["results"]
    assert {a["candidate"]["id"] for a in listed} == {jane.id, joe.id}


# --- jobs and paging --------------------------------------------------------------------------


async def test_job_list_hides_drafts_unless_asked(api, state):
    for status in ("Draft", "Open", "Closed", "Archived"):
        state.add_job(f"{status} job", status)
    default = (await post(api, "job.list")).json()["results"]
    assert sorted(j["status"] for j in default) == ["Archived", "Closed", "Open"]
    drafts = (await post(api, "job.list", {"status": ["Draft"]})).json()["results"]
    assert [j["title"] for j in drafts] == ["Draft job"]


async def test_paging_uses_opaque_cursors_and_ends_with_a_sync_token(api, state):
    for i in range(150):
        state.add_job(f"Job {i}")
    first = (await post(api, "job.list", {"limit": 500})).json()
    assert len(first["results"]) == 100
    assert first["moreDataAvailable"] is True and "syncToken" not in first
    second = (await post(api, "job.list", {"cursor": first["nextCursor"]})).json()
    assert len(second["results"]) == 50
    assert second["moreDataAvailable"] is False and "nextCursor" not in second
    ids = {j["id"] for j in first["results"] + second["results"]}
    assert len(ids) == 150

    state.set_job_status(first["results"][0]["id"], "Closed")
    changed = (await post(api, "job.list", {"syncToken": second["syncToken"]})).json()
    assert [j["id"] for j in changed["results"]] == [first["results"][0]["id"]]


async def test_small_limits_page_too(api, state):
    for i in range(5):
        state.add_job(f"Job {i}")
    page = (await post(api, "job.list", {"limit": 2})).json()
    assert len(page["results"]) == 2 and page["moreDataAvailable"] is True


async def test_bad_cursor_and_sync_token_are_refused(api):
    assert_error(await post(api, "job.list", {"cursor": "garbage!"}), "invalid_next_cursor")
    assert_error(await post(api, "job.list", {"syncToken": "garbage!"}), "sync_token_invalid")


async def test_job_search_and_info(api, state):
    job = state.add_job("Staff Engineer", requisition_id="REQ-1")
    state.add_job("Recruiter")
    found = (await post(api, "job.search", {"title": "engineer"})).json()["results"]
    assert [j["id"] for j in found] == [job.id]
    by_req = (await post(api, "job.search", {"requisitionId": "REQ-1"})).json()["results"]
    assert [j["id"] for j in by_req] == [job.id]
    assert (await post(api, "job.info", {"id": job.id})).json()["results"]["title"] == job.title


async def test_custom_field_list(api, state):
    state.add_custom_field("Seniority", "ValueSelect", selectable_values=["Junior", "Senior"])
    fields = (await post(api, "customField.list")).json()["results"]
    assert fields[0]["objectType"] == "Candidate"
    assert [v["value"] for v in fields[0]["selectableValues"]] == ["Junior", "Senior"]


# --- faults and call counting -----------------------------------------------------------------


async def test_injected_429_carries_retry_after_and_scope_then_clears(api, state):
    scope = {"X-RateLimit-Scope": "integration-partner"}
    state.inject_fault("job.list", status=429, times=2, retry_after=5, headers=scope)
    for _ in range(2):
        response = await post(api, "job.list")
        assert_error(response, "rate_limit_exceeded", 429)
        assert response.headers["Retry-After"] == "5"
        assert response.headers["X-RateLimit-Scope"] == "integration-partner"
    assert (await post(api, "job.list")).status_code == 200
    assert (await post(api, "candidate.list")).status_code == 200


async def test_wildcard_fault_until_cleared(api, state):
    state.inject_fault(status=503, times=None)
    for method in ("job.list", "candidate.list", "job.list"):
        assert (await post(api, method)).status_code == 503
    state.clear_faults()
    assert (await post(api, "job.list")).status_code == 200


async def test_calls_are_counted_and_logged_per_method(api, state):
    await post(api, "job.list", {"limit": 1})
    await post(api, "job.list")
    await post(api, "candidate.search", {})
    assert state.calls == {"job.list": 2, "candidate.search": 1}
    assert [(c.route, c.error is None) for c in state.log] == [
        ("job.list", True),
        ("job.list", True),
        ("candidate.search", False),
    ]
    assert state.log[0].body == {"limit": 1}
    state.reset_calls()
    assert not state.calls and not state.log


async def test_merge_candidates_moves_emails_and_drops_the_merged_id(api, state):
    keep = state.add_candidate("Jane", "jane@acme.com")
    gone = state.add_candidate("Jane D", "jane@work.io")
    state.merge_candidates(keep.id, gone.id)
    found = (await post(api, "candidate.search", {"email": "jane@work.io"})).json()["results"]
    assert [c["id"] for c in found] == [keep.id]
    assert_error(await post(api, "candidate.info", {"id": gone.id}), "candidate_not_found")


def test_create_app_exposes_its_state():
    state = AshbyState()
    assert create_app(state).state.ashby is state
