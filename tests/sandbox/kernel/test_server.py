"""Emulators over real HTTP on loopback: in a thread, in a subprocess, and read or steered
from another process through the admin routes."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from sandbox.kernel import Remote, Server, spawn
from sandbox.kernel.server import PROJECT_ROOT
from tests.sandbox.kernel.toy import KEY, ToyState, create_app


async def test_a_threaded_server_answers_on_loopback_with_its_admin_routes() -> None:
    toy = ToyState()
    async with Server(create_app(toy)) as server:
        assert server.url.startswith("http://127.0.0.1:")
        async with httpx.AsyncClient(base_url=server.url, headers={"X-Key": KEY}) as http:
            assert (await http.post("/notes", json={"text": "hi"})).status_code == 200
            remote = Remote(server.url)
            assert list((await _in_thread(remote.records))["notes"].values()) == ["hi"]
            [call] = await _in_thread(remote.calls)
            assert (call["route"], call["status"], call["body"]) == (
                "notes.add",
                200,
                {"text": "hi"},
            )
            await _in_thread(lambda: remote.inject_fault(route="notes.list", status=503))
            assert (await http.get("/notes")).status_code == 503
            assert (await http.get("/notes")).status_code == 200


async def test_drops_and_hangs_over_a_real_socket() -> None:
    toy = ToyState()
    async with (
        Server(create_app(toy)) as server,
        httpx.AsyncClient(base_url=server.url, headers={"X-Key": KEY}) as http,
    ):
        toy.inject_fault("notes.add", kind="lost", status=None)
        with pytest.raises(httpx.RemoteProtocolError):
            await http.post("/notes", json={"text": "kept"})
        toy.inject_fault("notes.list", kind="hang", hang=30)
        with pytest.raises(httpx.ReadTimeout):
            await http.get("/notes", timeout=0.3)
    assert list(toy.notes.values()) == ["kept"]


def test_admin_routes_set_latency_limits_and_refuse_bad_input() -> None:
    toy = ToyState()
    with Server(create_app(toy)) as server:
        remote = Remote(server.url)
        remote.set_latency(0.01, 0.02)
        remote.set_rate_limit(5, burst=2)
        remote.chaos(rate_limited=0.5)
        assert (toy.latency.fixed, toy.limits.limit.burst) == (0.01, 2)  # type: ignore[union-attr]
        assert [f.probability for f in toy.faults.rules] == [0.5]
        bad = httpx.post(f"{server.url}/_sandbox/faults", json={"kind": "explode"})
        assert bad.status_code == 400
        remote.clear_faults()
        remote.set_rate_limit(None)
        assert not toy.faults.rules and toy.limits.limit is None


def test_serve_in_a_subprocess_prints_credentials_and_obeys_its_admin_routes() -> None:
    with spawn("ashby", "--latency", "0.01") as served:
        assert served.demo["settings"]["ASHBY_API_URL"] == served.origin
        key = served.demo["credentials"]["API key"]
        api = httpx.Client(base_url=served.origin, auth=(key, ""))
        assert api.post("/candidate.search", json={"email": "jane@example.com"}).json()["results"]
        served.admin.inject_fault(route="job.list", status=429, retry_after=2)
        assert api.post("/job.list", json={}).headers["Retry-After"] == "2"
        routes = [c["route"] for c in served.admin.calls()]
        assert routes == ["candidate.search", "job.list"]
        assert any(c["name"] == "Jane Doe" for c in served.admin.records()["candidates"])


def test_serve_all_serves_and_prints_every_emulator() -> None:
    command = [sys.executable, "-m", "sandbox", "serve", "all", "--port", "0", "--json"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=PROJECT_ROOT)
    try:
        assert process.stdout is not None
        demos = [json.loads(process.stdout.readline()) for _ in range(5)]
    finally:
        process.terminate()
        process.wait(20)
    names = [d["name"] for d in demos]
    assert names == ["Ashby", "Salesforce", "Crelate", "PCRecruiter", "Recruiterflow"]
    assert all(d["origin"].startswith("http://127.0.0.1:") for d in demos)
    settings = {k for d in demos for k in d["settings"]}
    assert {"ASHBY_API_URL", "SALESFORCE_LOGIN_URL", "CRELATE_API_URL"} <= settings
    assert {"PCRECRUITER_API_URL", "RECRUITERFLOW_API_URL"} <= settings


async def _in_thread(work: Callable[[], Any]) -> Any:
    """Remote is a blocking client; the server shares this test's process, not its loop."""
    return await asyncio.to_thread(work)
