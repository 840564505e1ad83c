"""What `make sandbox` gives the app: the sandbox's Slack and CRMs, none of the developer's
own settings (their .env or shell could name a real workspace or database)."""

from __future__ import annotations

import pytest

from sandbox.console.crms import Crm
from sandbox.console.stack import app_settings
from sandbox.kernel import Demo
from sandbox.slack.web_api import SlackWebApi


def test_the_app_runs_on_the_sandboxes_settings_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_CLIENT_ID", "a-real-app")
    monkeypatch.setenv("DATABASE_URL", "postgresql://prod.example.com/crm")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-real")
    ashby = Crm("ashby", Demo("Ashby", "http://127.0.0.1:3100", {"ASHBY_API_URL": "u"}, {}))
    keys = {"SLACK_SIGNING_SECRET": "s", "OUTREACH_WEBHOOK_SECRET": "o"}

    env = app_settings(3000, SlackWebApi(port=3201), [ashby], keys)

    assert not {"SLACK_CLIENT_ID", "DATABASE_URL", "SLACK_APP_TOKEN"} & env.keys()
    assert env["SLACK_API_URL"] == "http://127.0.0.1:3201/api/"
    assert (env["PORT"], env["HOST"], env["PUBLIC_URL"]) == (
        "3000",
        "127.0.0.1",
        "http://127.0.0.1:3000",
    )
    assert env["ASHBY_API_URL"] == "u" and env["SLACK_SIGNING_SECRET"] == "s"
