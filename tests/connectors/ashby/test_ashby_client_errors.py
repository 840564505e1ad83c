"""The Ashby connector's error handling against canned responses (respx)."""

from __future__ import annotations

import base64
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import respx

from bot.connectors.ashby.client import AshbyConnector
from bot.connectors.base import ContactData, CrmRecord
from bot.connectors.errors import (
    AuthError,
    ConnectorError,
    RateLimitError,
    SystemError_,
    TransientError,
    ValidationError,
)

KEY = "ashby_live_5ecr3t_k3y_value"
TOKEN = base64.b64encode(f"{KEY}:".encode()).decode()
BASE = "https://ashby.test"
JANE = {
    "id": "5b591aed-88e3-4395-b9c6-7d529f93354a",
    "name": "Jane Doe",
    "emailAddresses": [{"value": "jane@acme.com", "type": "Personal", "isPrimary": True}],
    "updatedAt": "2024-01-15T10:30:00.000Z",
    "profileUrl": "https://app.ashbyhq.com/candidates/5b591aed-88e3-4395-b9c6-7d529f93354a",
}
RECORD = CrmRecord(id=JANE["id"], record_type="Candidate", emails=("jane@acme.com",))


def ok(results: Any, status: int = 200, **extra: Any) -> httpx.Response:
    return httpx.Response(status, json={"success": True, "results": results, **extra})


def fail(code: str, message: str = "", status: int = 200, **headers: str) -> httpx.Response:
    body = {
        "success": False,
        "errors": [code],
        "errorInfo": {"code": code, "message": message, "requestId": "01JSJ8"},
    }
    return httpx.Response(status, json=body, headers=headers)


@pytest.fixture
async def mock() -> AsyncIterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield router


@pytest.fixture
async def client() -> AsyncIterator[AshbyConnector]:
    connector = AshbyConnector(KEY, base_url=BASE, retry_wait=0)
    yield connector
    await connector.aclose()


async def test_requests_use_basic_auth_version_header_and_json(mock, client):
    route = mock.post("/candidate.search").mock(return_value=ok([JANE]))
    await client.find_by_emails(["jane@acme.com"])
    request = route.calls.last.request
    assert request.method == "POST"
    assert request.headers["Authorization"] == f"Basic {TOKEN}"
    assert request.headers["Accept"] == "application/json; version=1"
    assert request.headers["Content-Type"] == "application/json"
    assert request.content == b'{"email":"jane@acme.com"}'


async def test_http_401_is_an_auth_error(mock, client):
    mock.post("/apiKey.info").mock(return_value=fail("unauthenticated", status=401))
    with pytest.raises(AuthError) as caught:
        await client.verify()
    assert caught.value.status == 401
    assert caught.value.reason.startswith("Ashby rejected the API key (HTTP 401)")


async def test_http_403_is_an_auth_error_saying_the_key_is_wrong_or_deactivated(mock, client):
    route = mock.post("/apiKey.info").mock(return_value=httpx.Response(403))
    with pytest.raises(AuthError, match=r"HTTP 403.*wrong or has been deactivated"):
        await client.verify()
    assert route.call_count == 1


async def test_missing_permission_names_the_permission(mock, client):
    mock.post("/candidate.create").mock(
        return_value=fail("missing_endpoint_permission", "Missing permission", status=403)
    )
    with pytest.raises(AuthError) as caught:
        await client.create(ContactData("jane@acme.com"), "Candidate")
    assert caught.value.code == "missing_endpoint_permission"
    assert "candidatesWrite" in caught.value.reason
    assert "candidate.create" in caught.value.reason


async def test_verify_falls_back_to_job_list_without_api_keys_read(mock, client):
    mock.post("/apiKey.info").mock(return_value=fail("missing_endpoint_permission", status=403))
    jobs = mock.post("/job.list").mock(return_value=ok([], moreDataAvailable=False))
    identity = await client.verify()
    assert identity.label == "Ashby API key"
    assert jobs.calls.last.request.content == b'{"limit":1}'


async def test_verify_reports_the_missing_jobs_permission(mock, client):
    mock.post("/apiKey.info").mock(return_value=fail("missing_endpoint_permission", status=403))
    mock.post("/job.list").mock(return_value=fail("missing_endpoint_permission", status=403))
    with pytest.raises(AuthError, match="jobsRead"):
        await client.verify()


async def test_429_with_retry_after_is_retried_then_succeeds(mock, client):
    route = mock.post("/candidate.search").mock(
        side_effect=[fail("rate_limit_exceeded", status=429, **{"Retry-After": "3"}), ok([JANE])]
    )
    found = await client.find_by_emails(["jane@acme.com"])
    assert found["jane@acme.com"].id == JANE["id"]
    assert route.call_count == 2


async def test_exhausted_429_raises_rate_limit_error_with_retry_after(mock, client):
    route = mock.post("/candidate.search").mock(
        return_value=fail("rate_limit_exceeded", status=429, **{"Retry-After": "30"})
    )
    with pytest.raises(RateLimitError) as caught:
        await client.find_by_emails(["jane@acme.com"])
    assert caught.value.retry_after == 30
    assert caught.value.status == 429
    assert route.call_count == 4


async def test_rate_limit_in_a_200_envelope_is_retried_too(mock, client):
    route = mock.post("/job.list").mock(
        side_effect=[fail("concurrent_limit_exceeded"), ok([], moreDataAvailable=False)]
    )
    assert await client.list_jobs() == []
    assert route.call_count == 2


async def test_5xx_is_retried_then_succeeds(mock, client):
    route = mock.post("/job.list").mock(
        side_effect=[httpx.Response(502), ok([], moreDataAvailable=False)]
    )
    assert await client.list_jobs() == []
    assert route.call_count == 2


async def test_persistent_5xx_raises_transient_error(mock, client):
    route = mock.post("/candidate.search").mock(return_value=httpx.Response(500))
    with pytest.raises(TransientError) as caught:
        await client.find_by_emails(["jane@acme.com"])
    assert not isinstance(caught.value, RateLimitError)
    assert route.call_count == 4


async def test_create_is_not_repeated_after_an_in_doubt_failure(mock, client):
    route = mock.post("/candidate.create").mock(return_value=httpx.Response(500))
    with pytest.raises(TransientError):
        await client.create(ContactData("jane@acme.com"), "Candidate")
    assert route.call_count == 1


async def test_success_false_invalid_input_is_a_validation_error(mock, client):
    mock.post("/candidate.create").mock(
        return_value=fail("invalid_input", "linkedInUrl must be a valid URL")
    )
    with pytest.raises(ValidationError) as caught:
        await client.create(ContactData("jane@acme.com"), "Candidate")
    assert caught.value.code == "invalid_input"
    assert caught.value.status == 200
    assert "linkedInUrl must be a valid URL" in caught.value.reason


@pytest.mark.parametrize(
    ("errors", "code", "text"),
    [
        (["invalid_input"], "invalid_input", "invalid_input"),
        (["Candidate not found"], None, "Candidate not found"),
        ([{"message": "is required", "parameter": "name"}], None, "name: is required"),
    ],
)
async def test_deprecated_errors_list_is_understood(mock, client, errors, code, text):
    mock.post("/candidate.create").mock(
        return_value=httpx.Response(200, json={"success": False, "errors": errors})
    )
    with pytest.raises(ValidationError) as caught:
        await client.create(ContactData("jane@acme.com"), "Candidate")
    assert caught.value.code == code
    assert text in caught.value.reason


async def test_an_answer_without_the_envelope_is_a_system_error(mock, client):
    mock.post("/job.list").mock(return_value=httpx.Response(200, text="<html>proxy</html>"))
    with pytest.raises(SystemError_, match="JSON envelope"):
        await client.list_jobs()


async def test_duplicate_application_failure_counts_as_success(mock, client):
    job_id = "e9ed20fd-d45f-4aad-8a00-a19bfba0083e"
    app_id = "0c1e5b4a-1d0f-4a5e-9a55-3c2b1b5f7a10"
    # Applied first; only the refusal makes the connector look at the candidate's applications.
    mock.post("/candidate.info").mock(return_value=ok({**JANE, "applicationIds": [app_id]}))
    mock.post("/application.info").mock(return_value=ok({"id": app_id, "job": {"id": job_id}}))
    create = mock.post("/application.create").mock(
        return_value=fail("application_already_exists", "already considered")
    )
    await client.assign_to_job(RECORD, job_id)
    assert create.call_count == 1


async def test_other_application_failures_are_raised(mock, client):
    mock.post("/candidate.info").mock(return_value=ok({**JANE, "applicationIds": []}))
    mock.post("/application.create").mock(return_value=fail("job_not_found"))
    with pytest.raises(ValidationError) as caught:
        await client.assign_to_job(RECORD, "e9ed20fd-d45f-4aad-8a00-a19bfba0083e")
    assert caught.value.code == "job_not_found"


SCENARIOS = [
    ("/apiKey.info", httpx.Response(401, json={"message": f"bad key {KEY}"})),
    ("/apiKey.info", fail("invalid_api_key", f"key {KEY} deactivated", status=403)),
    ("/apiKey.info", fail("rate_limit_exceeded", f"slow down {KEY}", status=429)),
    ("/apiKey.info", fail("internal_error", f"{TOKEN} crashed", status=503)),
    ("/apiKey.info", fail("invalid_input", f"echo {KEY} / {TOKEN}")),
    ("/apiKey.info", fail("missing_endpoint_permission", f"{KEY} lacks it", status=403)),
]


@pytest.mark.parametrize(("path", "response"), SCENARIOS)
async def test_the_key_never_leaks_into_errors_or_logs(mock, client, caplog, path, response):
    caplog.set_level(logging.DEBUG)
    mock.post(path).mock(return_value=response)
    mock.post("/job.list").mock(return_value=response)
    with pytest.raises(ConnectorError) as caught:
        await client.verify()
    texts = [str(caught.value), repr(caught.value), caught.value.reason, repr(client), caplog.text]
    for text in texts:
        assert KEY not in text
        assert TOKEN not in text
