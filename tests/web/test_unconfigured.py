"""The app without Slack or outreach secrets still starts and says what is missing."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from bot.app import Runtime, create_app
from bot.settings import Settings


async def test_without_secrets_endpoints_explain_what_to_set(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the generated dev key is written to the working directory
    runtime = Runtime(Settings(_env_file=None, database_url=database_url, encryption_keys=None))
    await runtime.start(clock=False)
    try:
        transport = httpx.ASGITransport(app=create_app(runtime, clock=False))
        async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as http:
            assert (await http.get("/healthz")).json() == {"ok": True, "slack_configured": False}
            slack = await http.post("/slack/events", content=b"command=/crm")
            assert slack.status_code == 503
            assert "SLACK_BOT_TOKEN" in slack.json()["error"]
            assert "slack/manifest.yml" in slack.json()["error"]
            events = await http.post("/outreach/events", json={})
            assert events.status_code == 503
            assert "OUTREACH_WEBHOOK_SECRET" in events.json()["error"]
    finally:
        await runtime.stop()
