"""Latency per call and a token bucket per credential, answered the way each vendor does."""

from __future__ import annotations

import time

import httpx
import pytest

from sandbox import ashby, recruiterflow
from sandbox.kernel import Fault, Latency, ManualClock, RateLimit, Transport
from tests.sandbox.kernel.toy import ToyState
from tests.support.emulators import ASHBY_KEY, PCR_LOGIN, RF_KEY, SEEDS


async def test_fixed_latency_delays_every_call(client, toy: ToyState) -> None:
    toy.latency = Latency(fixed=0.15)
    started = time.perf_counter()
    assert (await client.get("/notes")).status_code == 200
    assert time.perf_counter() - started >= 0.15
    assert toy.log[0].seconds >= 0.15


def test_jitter_stays_within_its_bounds() -> None:
    toy = ToyState(seed=3)
    delays = [Latency(0.1, 0.05).delay(toy.rng) for _ in range(200)]
    assert all(0.1 <= d <= 0.15 for d in delays) and len(set(delays)) > 100


async def test_the_bucket_is_per_credential_and_refills_with_time(
    client, toy: ToyState, clock: ManualClock
) -> None:
    toy.limits.limit = RateLimit(rate=2, burst=3)
    assert [(await client.get("/notes")).status_code for _ in range(4)] == [200, 200, 200, 429]
    throttled = toy.log[-1]
    assert throttled.fault == "throttled"
    other = await client.get("/notes", headers={"X-Key": "other-key"})
    assert other.status_code == 200  # its own bucket
    clock.advance(0.5)  # one token back at two per second
    assert (await client.get("/notes")).status_code == 200
    assert (await client.get("/notes")).status_code == 429


async def test_over_the_limit_the_answer_says_when_to_come_back(client, toy) -> None:
    toy.limits.limit = RateLimit(rate=0.1, burst=1)
    await client.get("/notes")
    refused = await client.get("/notes")
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "10"


def test_rate_limits_need_a_rate_and_a_burst() -> None:
    with pytest.raises(ValueError):
        RateLimit(rate=0, burst=1)
    assert RateLimit.per_minute(120) == RateLimit(2.0, 120)


async def test_ashby_over_its_limit_is_429_rate_limit_exceeded() -> None:
    state = SEEDS["ashby"].new(clock=ManualClock())
    state.limits.limit = RateLimit(rate=1, burst=1)
    transport = Transport(ashby.create_app(state))
    async with httpx.AsyncClient(transport=transport, auth=(ASHBY_KEY, "")) as api:
        assert (await api.post("http://a.test/job.list", json={})).status_code == 200
        refused = await api.post("http://a.test/job.list", json={})
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
    assert refused.json()["errorInfo"]["code"] == "rate_limit_exceeded"


async def test_salesforce_over_its_limit_is_403_with_the_usage_header() -> None:
    seed = SEEDS["salesforce"]
    state = seed.new(clock=ManualClock())
    state.limits.limit = RateLimit(rate=1, burst=1)
    async with httpx.AsyncClient(transport=seed.transport(state), **seed.client(state)) as api:
        assert (await api.get("limits")).status_code == 200
        refused = await api.get("limits")
    assert refused.status_code == 403 and "Retry-After" not in refused.headers
    assert refused.json()[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
    assert refused.headers["Sforce-Limit-Info"] == "api-usage=1/15000"


async def test_recruiterflow_over_its_limit_sends_no_rate_limit_headers() -> None:
    state = SEEDS["recruiterflow"].new(clock=ManualClock())
    state.limits.limit = RateLimit(rate=1, burst=1)
    transport = Transport(recruiterflow.create_app(state))
    headers = {"RF-Api-Key": RF_KEY}
    async with httpx.AsyncClient(transport=transport, headers=headers) as api:
        await api.get("http://rf.test/api/external/job/list")
        refused = await api.get("http://rf.test/api/external/job/list")
    assert refused.status_code == 429 and "Retry-After" not in refused.headers


async def test_an_inferred_answer_over_the_limit_can_be_changed() -> None:
    seed = SEEDS["pcrecruiter"]
    state = seed.new(clock=ManualClock())
    state.limits.limit = RateLimit(rate=1, burst=1)
    state.limits.answer = Fault(status=403, message="Usage limit exceeded")
    async with httpx.AsyncClient(transport=seed.transport(state), **seed.client(state)) as api:
        login = {
            "DatabaseId": PCR_LOGIN["database_id"],
            "Username": PCR_LOGIN["username"],
            "Password": PCR_LOGIN["password"],
            "ApiKey": PCR_LOGIN["api_key"],
            "AppId": PCR_LOGIN["app_id"],
        }
        assert (await api.post("/rest/api/access-token", json=login)).status_code == 200
        refused = await api.post("/rest/api/access-token", json=login)
    assert refused.status_code == 403 and refused.json()["Message"] == "Usage limit exceeded"


def test_each_emulator_starts_with_its_published_limit() -> None:
    # None of the five publishes a per-call rate; Salesforce's daily allowance is its own rule.
    assert all(seed.new().limits.limit is None for seed in SEEDS.values())
    assert SEEDS["salesforce"].new().daily_limit == 15_000
