"""The shared HTTP plumbing: redaction, Retry-After, status mapping, retries, logging."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
import respx

from bot.connectors.errors import (
    AuthError,
    ConfigError,
    ConnectorError,
    RateLimitError,
    SystemError_,
    TransientError,
    ValidationError,
)
from bot.connectors.http import (
    MASK,
    HttpClient,
    RetryPolicy,
    basic_auth_secrets,
    bounded_gather,
    error_for_status,
    redact,
    retry_after_seconds,
)

BASE = "https://crm.test"
SECRET = "sk_live_0123456789abcdef"


# --- redact -----------------------------------------------------------------------------------


def test_redact_masks_every_occurrence() -> None:
    text = f"key={SECRET} again {SECRET}"
    assert redact(text, [SECRET]) == f"key={MASK} again {MASK}"


def test_redact_masks_longest_secret_first() -> None:
    assert redact("abcdef", ["abc", "abcdef"]) == MASK


def test_redact_ignores_empty_and_none_secrets() -> None:
    assert redact("nothing to hide", ["", None]) == "nothing to hide"


def test_basic_auth_secrets_include_the_encoded_header_value() -> None:
    secrets = basic_auth_secrets(SECRET)
    assert SECRET in secrets
    assert "c2tfbGl2ZV8wMTIzNDU2Nzg5YWJjZGVmOg==" in secrets  # base64("<key>:")
    assert "" not in secrets


# --- Retry-After and status mapping -----------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [("7", 7.0), ("1.5", 1.5), ("-3", 0.0), ("soon", None), ("nan", None), (None, None)],
)
def test_retry_after_seconds(header: str | None, expected: float | None) -> None:
    headers = {"Retry-After": header} if header is not None else {}
    assert retry_after_seconds(httpx.Response(429, headers=headers)) == expected


def test_retry_after_accepts_an_http_date() -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=60), usegmt=True)
    seconds = retry_after_seconds(httpx.Response(429, headers={"Retry-After": when}))
    assert seconds is not None
    assert 50 <= seconds <= 61


@pytest.mark.parametrize(
    ("status", "error_type"),
    [
        (401, AuthError),
        (403, AuthError),
        (429, RateLimitError),
        (500, TransientError),
        (502, TransientError),
        (503, TransientError),
        (400, ValidationError),
        (422, ValidationError),
        (404, ConfigError),
        (302, SystemError_),
    ],
)
def test_error_for_status_classifies(status: int, error_type: type[ConnectorError]) -> None:
    error = error_for_status("Acme CRM", status, op="thing.create", credential="API key")
    assert type(error) is error_type
    assert error.status == status
    assert f"HTTP {status}" in error.reason
    assert error.reason.startswith("Acme CRM") or "Acme CRM" in error.reason


def test_auth_reasons_are_sentences_about_the_credential() -> None:
    error = error_for_status("Acme CRM", 401, op="x", credential="API key")
    assert error.reason.startswith("Acme CRM rejected the API key (HTTP 401).")


def test_rate_limit_error_carries_retry_after() -> None:
    error = error_for_status("Acme CRM", 429, op="x", retry_after=12)
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 12
    assert "12s" in error.reason


# --- HttpClient -------------------------------------------------------------------------------


class Sleeps(list[float]):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def make_client(sleeps: Sleeps):
    clients: list[HttpClient] = []

    def make(**kw) -> HttpClient:
        kw.setdefault("retry", RetryPolicy(jitter=0))
        kw.setdefault("base_url", BASE)
        client = HttpClient(
            vendor="Acme CRM", secrets=(SECRET,), sleep=sleeps, credential="API key", **kw
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


@respx.mock(base_url=BASE)
async def test_transient_statuses_are_retried_until_success(respx_mock, make_client, sleeps):
    route = respx_mock.post("/items").mock(
        side_effect=[httpx.Response(503), httpx.Response(500), httpx.Response(200, json={})]
    )
    client = make_client()
    response = await client.request("POST", "items", json={})
    assert response.status_code == 200
    assert route.call_count == 3
    assert sleeps == [0.5, 1.0]  # exponential backoff (jitter 0 here)


@respx.mock(base_url=BASE)
async def test_exhausted_5xx_raises_transient_error(respx_mock, make_client, sleeps):
    route = respx_mock.post("/items").mock(return_value=httpx.Response(502))
    client = make_client()
    with pytest.raises(TransientError) as caught:
        await client.request("POST", "items", op="items.list")
    assert route.call_count == 4
    assert len(sleeps) == 3
    assert caught.value.status == 502
    assert "items.list" in caught.value.reason


@respx.mock(base_url=BASE)
async def test_retry_after_is_honoured_and_capped(respx_mock, make_client, sleeps):
    respx_mock.post("/items").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "2"}),
            httpx.Response(503, headers={"Retry-After": "120"}),
            httpx.Response(200, json={}),
        ]
    )
    client = make_client(retry=RetryPolicy(retry_after_cap=10, jitter=0))
    await client.request("POST", "items")
    assert sleeps == [2.0, 10.0]


@respx.mock(base_url=BASE)
async def test_exhausted_429_raises_rate_limit_error_with_server_retry_after(
    respx_mock, make_client, sleeps
):
    respx_mock.post("/items").mock(return_value=httpx.Response(429, headers={"Retry-After": "45"}))
    client = make_client(retry=RetryPolicy.capped(0))
    with pytest.raises(RateLimitError) as caught:
        await client.request("POST", "items")
    assert caught.value.retry_after == 45
    assert sleeps == [0, 0, 0]


@respx.mock(base_url=BASE)
async def test_connect_errors_and_timeouts_are_retried(respx_mock, make_client):
    route = respx_mock.post("/items").mock(
        side_effect=[httpx.ConnectError("down"), httpx.ReadTimeout("slow"), httpx.Response(200)]
    )
    client = make_client()
    assert (await client.request("POST", "items")).status_code == 200
    assert route.call_count == 3


@respx.mock(base_url=BASE)
async def test_exhausted_timeouts_raise_transient_error(respx_mock, make_client):
    respx_mock.post("/items").mock(side_effect=httpx.ReadTimeout("slow"))
    client = make_client()
    with pytest.raises(TransientError, match="did not answer"):
        await client.request("POST", "items")


@pytest.mark.parametrize(
    "outcome", [httpx.Response(500), httpx.Response(502), httpx.ReadTimeout("in doubt")]
)
@respx.mock(base_url=BASE)
async def test_in_doubt_failures_of_writes_are_not_repeated(respx_mock, make_client, outcome):
    route = respx_mock.post("/items").mock(side_effect=[outcome, httpx.Response(200)])
    client = make_client()
    with pytest.raises(TransientError):
        await client.request("POST", "items", idempotent=False)
    assert route.call_count == 1


@pytest.mark.parametrize(
    "outcome",
    [
        httpx.Response(429),
        httpx.Response(503),
        httpx.ConnectError("never sent"),
        httpx.ConnectTimeout("never sent"),
    ],
)
@respx.mock(base_url=BASE)
async def test_unprocessed_failures_of_writes_are_retried(respx_mock, make_client, outcome):
    route = respx_mock.post("/items").mock(side_effect=[outcome, httpx.Response(200)])
    client = make_client()
    assert (await client.request("POST", "items", idempotent=False)).status_code == 200
    assert route.call_count == 2


@pytest.mark.parametrize(("status", "error_type"), [(401, AuthError), (400, ValidationError)])
@respx.mock(base_url=BASE)
async def test_client_errors_are_not_retried(respx_mock, make_client, status, error_type):
    route = respx_mock.post("/items").mock(return_value=httpx.Response(status))
    client = make_client()
    with pytest.raises(error_type):
        await client.request("POST", "items")
    assert route.call_count == 1


@respx.mock(base_url=BASE)
async def test_query_params_and_headers_are_passed_through(respx_mock, make_client):
    route = respx_mock.get("/api/items", params={"q": "jane"}).mock(
        return_value=httpx.Response(200)
    )
    client = make_client(base_url=f"{BASE}/api")
    await client.request("GET", "items", params={"q": "jane"}, headers={"X-Trace": "1"})
    assert route.calls.last.request.headers["X-Trace"] == "1"


@respx.mock(base_url=BASE)
async def test_reasons_are_scrubbed_of_secrets(respx_mock, make_client):
    respx_mock.post("/items").mock(return_value=httpx.Response(400))

    def classify(response: httpx.Response, op: str) -> ConnectorError:
        return ValidationError(f"server echoed {SECRET}")

    client = make_client(classify=classify)
    with pytest.raises(ValidationError) as caught:
        await client.request("POST", "items")
    for text in (caught.value.reason, str(caught.value), repr(caught.value)):
        assert SECRET not in text
        assert MASK in text


@respx.mock(base_url=BASE)
async def test_log_lines_carry_operation_status_and_duration_only(respx_mock, make_client, caplog):
    caplog.set_level(logging.DEBUG, logger="bot.connectors")
    respx_mock.post("/items").mock(side_effect=[httpx.Response(503), httpx.Response(200)])
    client = make_client()
    await client.request("POST", "items", op="items.create", json={"name": "payload-value"})
    records = [r for r in caplog.records if r.name == "bot.connectors"]
    messages = [r.getMessage() for r in records]
    assert any("items.create -> HTTP 503" in m and "ms" in m for m in messages)
    assert any("items.create -> HTTP 200" in m for m in messages)
    assert any("retrying" in m for m in messages)
    assert all("payload-value" not in m and SECRET not in m for m in messages)


async def test_invalid_base_url_is_a_config_error(make_client):
    client = make_client(base_url="ftp://crm.test")
    with pytest.raises(ConfigError, match="API URL"):
        await client.request("POST", "items")


# --- bounded_gather ---------------------------------------------------------------------------


async def test_bounded_gather_keeps_order_and_limits_concurrency() -> None:
    running = peak = 0

    async def work(n: int) -> int:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.001)
        running -= 1
        return n * 2

    assert await bounded_gather(work, range(10), limit=3) == [n * 2 for n in range(10)]
    assert peak == 3


async def test_bounded_gather_raises_the_first_failure_unwrapped_and_cancels_the_rest() -> None:
    finished: list[int] = []

    async def work(n: int) -> int:
        if n == 0:
            raise TransientError("boom")
        await asyncio.sleep(0.05)
        finished.append(n)
        return n

    with pytest.raises(TransientError, match="boom"):
        await bounded_gather(work, range(5), limit=5)
    await asyncio.sleep(0.1)
    assert finished == []
