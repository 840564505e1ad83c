"""Connecting each CRM from Slack: its own credential form (or Salesforce's login pages),
verified with the CRM before anything is saved; a wrong credential is refused where it was
typed and nothing is connected."""

from __future__ import annotations

import pytest

from tests.conftest import eventually
from tests.scenarios.matrix.profiles import crms
from tests.scenarios.matrix.recruiter import Recruiter, input_block

WRONG = "not-the-real-secret"


async def refused(me: Recruiter) -> None:
    if me.profile.oauth:
        # Salesforce's own login page refuses it, in place; nothing comes back to the app.
        page = await me.log_in_wrongly()
        assert page.status_code == 200
        assert 'role="alert"' in page.text and "check your username and password" in page.text
    else:
        answer = await me.connect(secret=WRONG)
        assert answer["response_action"] == "errors"
        [message] = answer["errors"].values()
        assert me.profile.crm in message and WRONG not in str(answer)
    assert "no CRM connected" in await me.say("settings")


async def connected(me: Recruiter) -> None:
    if me.profile.oauth:
        page = await me.connect()
        assert page.status_code == 200 and f"Connected to {me.profile.crm}" in page.text
        await eventually(lambda: me.sent("is connected"))  # and the teammate is told in Slack
    else:
        form = await me.open(f"connect {me.profile.kind}")
        labels = [b["label"]["text"] for b in form["blocks"] if b["type"] == "input"]
        assert labels == [label for label, _ in me.profile.credentials]
        answer = await me.connect()
        assert answer["response_action"] == "update"
        assert f"Connected to *{me.profile.crm}*" in str(answer["view"])
    settings = await me.open("settings")
    assert settings["title"]["text"] == f"{me.profile.crm} settings"
    assert input_block(settings, "Sync as")


@pytest.mark.parametrize("crm", crms())
async def test_connect(crm: str, me: Recruiter) -> None:
    await refused(me)
    await connected(me)
