"""One fault model: status answers, hangs, drops and committed-but-lost writes, counted or
random, per route."""

from __future__ import annotations

from collections import Counter

import httpx
import pytest

from sandbox.kernel import Fault, Faults
from tests.sandbox.kernel.toy import ToyState


async def test_the_next_n_calls_of_a_route_get_the_status(client, toy: ToyState) -> None:
    toy.inject_fault("notes.add", status=429, times=2, retry_after=3)
    for _ in range(2):
        refused = await client.post("/notes", json={"text": "hi"})
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "3"
    assert (await client.get("/notes")).status_code == 200  # another route
    assert (await client.post("/notes", json={"text": "hi"})).status_code == 200
    assert list(toy.notes.values()) == ["hi"]  # refused calls wrote nothing
    assert [c.fault for c in toy.log] == ["status", "status", None, None]


async def test_route_globs_codes_headers_and_clearing(client, toy: ToyState) -> None:
    toy.inject_fault("notes.*", status=503, times=None, code="down", headers={"X-Why": "test"})
    for _ in range(3):
        answer = await client.get("/notes")
        assert answer.status_code == 503
        assert answer.json() == {"error": "down"} and answer.headers["X-Why"] == "test"
    toy.clear_faults()
    assert (await client.get("/notes")).status_code == 200


async def test_a_hung_call_times_out_at_the_client(client, toy: ToyState) -> None:
    toy.inject_fault("notes.add", kind="hang", hang=30)
    with pytest.raises(httpx.ReadTimeout):
        await client.post("/notes", json={"text": "never"}, timeout=0.2)
    assert toy.notes == {}
    [call] = toy.log
    assert (call.fault, call.status) == ("hang", 0) and 0.1 < call.seconds < 5


async def test_a_dropped_call_resets_the_connection_before_the_write(client, toy) -> None:
    toy.inject_fault("notes.add", kind="drop")
    with pytest.raises(httpx.RemoteProtocolError):
        await client.post("/notes", json={"text": "never"})
    assert toy.notes == {}


async def test_a_lost_answer_still_commits_the_write(client, toy: ToyState) -> None:
    toy.inject_fault("notes.add", kind="lost", status=None)
    with pytest.raises(httpx.RemoteProtocolError):
        await client.post("/notes", json={"text": "kept"})
    toy.inject_fault("notes.add", kind="lost", status=502)
    assert (await client.post("/notes", json={"text": "kept too"})).status_code == 502
    assert sorted(toy.notes.values()) == ["kept", "kept too"]
    assert [c.fault for c in toy.log] == ["lost", "lost"]


async def test_random_faults_follow_their_rates_and_the_seed(client, toy: ToyState) -> None:
    toy.faults.chaos(rate_limited=0.10, server_error=0.05, lost=0.02)
    statuses = Counter()
    for _ in range(400):
        try:
            statuses[(await client.get("/notes")).status_code] += 1
        except httpx.RemoteProtocolError:
            statuses["reset"] += 1
    assert 20 <= statuses[429] <= 60 and 6 <= statuses[500] <= 36 and statuses["reset"] <= 20
    assert statuses[200] == 400 - statuses[429] - statuses[500] - statuses["reset"]


def test_the_same_seed_gives_the_same_faults() -> None:
    def run(seed: int) -> list[str | None]:
        state = ToyState(seed=seed)
        state.faults.chaos(rate_limited=0.3, timeout=0.2)
        return [getattr(state.faults.take("x"), "kind", None) for _ in range(50)]

    assert run(1) == run(1) != run(2)


def test_counted_faults_come_before_random_ones_and_run_out() -> None:
    import random

    faults = Faults(random.Random(0))
    faults.add(Fault(status=500, probability=1.0))
    first = faults.add(Fault(status=429, times=1))
    assert faults.take("any") is first
    assert faults.take("any").status == 500
    assert first not in faults.rules


def test_bad_faults_are_refused() -> None:
    with pytest.raises(ValueError):
        Fault("explode")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Fault(status=None)
    with pytest.raises(ValueError):
        Fault(probability=1.5)
