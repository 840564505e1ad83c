"""The console's acts against the real app (in-process, the suite's Slack stand-in and CRM
emulators): each act is the signed request Slack sends, and its answer lands where Slack
puts it. The browser tour (tests/browser/test_console_tour.py) drives the same through the
page; these pin the Slack rules one by one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from sandbox.console.acts import Acts, Surface
from sandbox.console.directory import escape_mentions, seed
from sandbox.console.outreach_tool import OutreachTool
from sandbox.console.page import page_state
from sandbox.slack.workspace import Workspace
from tests.conftest import OUTREACH_SECRET, SIGNING_SECRET, eventually
from tests.support.emulators import ASHBY_KEY
from tests.support.fake_slack import FakeSlack

ALEX, SAM = "U0001", "U0002"
GENERAL, RECRUITING = "C0001", "C0002"


@pytest.fixture
async def acts(fake_slack: FakeSlack, http: httpx.AsyncClient) -> AsyncIterator[Acts]:
    fake_slack.strict_blocks = True
    seed(fake_slack.workspace)
    yield Acts(fake_slack, str(http.base_url), SIGNING_SECRET, http)


def seen_by(workspace: Workspace, user: str, channel: str) -> list[dict[str, Any]]:
    return page_state(workspace, user)["conversations"].get(channel, [])


def top_modal(workspace: Workspace, user: str) -> dict[str, Any]:
    return page_state(workspace, user)["modal"]["stack"][-1]


def surface_of(blocks: list[dict[str, Any]], text: str, **where: Any) -> Surface:
    """Where the button labelled ``text`` is, as the page reports a click."""
    for index, block in enumerate(blocks):
        for slot, element in enumerate(block.get("elements", [])):
            if (element.get("text") or {}).get("text") == text:
                return Surface(index, slot, **where)
    raise KeyError(text)


async def test_a_commands_answer_is_an_ephemeral_reply_only_its_author_sees(acts: Acts) -> None:
    outcome = await acts.command(ALEX, GENERAL, "/crm help")
    assert outcome.ok
    [reply] = seen_by(acts.workspace, ALEX, GENERAL)
    assert reply["ephemeral"] and "/crm connect" in reply["text"]
    assert seen_by(acts.workspace, SAM, GENERAL) == []


async def test_a_command_the_manifest_does_not_declare_never_reaches_the_app(
    acts: Acts, fake_slack: FakeSlack
) -> None:
    outcome = await acts.command(ALEX, GENERAL, "/deploy now")
    assert not outcome.ok
    [note] = seen_by(acts.workspace, ALEX, GENERAL)
    assert note["author"] == "Slackbot" and "not a valid command" in note["text"]
    assert fake_slack.calls == []


async def test_connecting_shows_errors_inline_then_updates_the_modal(acts: Acts) -> None:
    await acts.command(ALEX, GENERAL, "/crm connect ashby")
    view = await eventually(lambda: page_state(acts.workspace, ALEX)["modal"]["stack"])
    modal = view[-1]
    assert modal["title"]["text"] == "Connect Ashby"
    assert page_state(acts.workspace, SAM)["modal"]["stack"] == []

    assert (await acts.submit(ALEX, modal["id"], {"cred_api_key": "wrong"})).ok
    errors = page_state(acts.workspace, ALEX)["modal"]["errors"][modal["id"]]
    assert "Ashby" in errors["cred_api_key"]

    await acts.submit(ALEX, modal["id"], {"API key": ASHBY_KEY})  # by label, as fill() takes
    done = top_modal(acts.workspace, ALEX)
    assert done["id"] == modal["id"] and done["title"]["text"] == "Ashby connected"
    assert page_state(acts.workspace, ALEX)["modal"]["errors"] == {}
    await acts.close(ALEX, done["id"])
    assert page_state(acts.workspace, ALEX)["modal"]["stack"] == []


async def test_a_button_on_an_ephemeral_reply_replaces_it_in_place(acts: Acts) -> None:
    await acts.command(ALEX, GENERAL, "/crm connect ashby")
    modal = (await eventually(lambda: page_state(acts.workspace, ALEX)["modal"]["stack"]))[-1]
    await acts.submit(ALEX, modal["id"], {"API key": ASHBY_KEY})
    await acts.command(ALEX, GENERAL, "/crm disconnect")
    [prompt] = seen_by(acts.workspace, ALEX, GENERAL)
    assert "Disconnect Ashby?" in prompt["text"]

    where = {"channel": GENERAL, "ts": prompt["ts"]}
    assert (await acts.act(ALEX, surface_of(prompt["blocks"], "Cancel", **where), None, {})).ok
    [kept] = await eventually(
        lambda: [m for m in seen_by(acts.workspace, ALEX, GENERAL) if "Kept" in m["text"]]
    )
    assert kept["ts"] == prompt["ts"] and kept["ephemeral"]


async def test_the_job_menu_gets_its_options_from_the_app(acts: Acts) -> None:
    await acts.command(ALEX, GENERAL, "/crm connect ashby")
    modal = (await eventually(lambda: page_state(acts.workspace, ALEX)["modal"]["stack"]))[-1]
    await acts.submit(ALEX, modal["id"], {"API key": ASHBY_KEY})
    await acts.close(ALEX, modal["id"])
    await acts.command(ALEX, GENERAL, "/crm settings")
    settings = (await eventually(lambda: page_state(acts.workspace, ALEX)["modal"]["stack"]))[-1]
    job = next(i for i, b in enumerate(settings["blocks"]) if b.get("block_id") == "default_job")
    outcome = await acts.options(ALEX, Surface(job, "element", view_id=settings["id"]), "")
    assert outcome.ok and "options" in outcome.answer


async def test_mentions_are_escaped_as_slack_does_and_owners_come_from_users_info(
    acts: Acts,
) -> None:
    assert escape_mentions("role @sam manager in #recruiting") == (
        "role <@U0002|sam> manager in <#C0002|recruiting>"
    )
    assert escape_mentions("mail me@example.com, @nobody") == "mail me@example.com, @nobody"
    await acts.command(ALEX, GENERAL, "/crm role @sam manager")
    [answer] = seen_by(acts.workspace, ALEX, GENERAL)
    assert "is now a manager" in answer["text"]
    await acts.command(SAM, GENERAL, "/crm role @alex member")
    [refused] = seen_by(acts.workspace, SAM, GENERAL)
    assert "Only owners" in refused["text"]


async def test_opening_the_home_tab_publishes_that_persons_home(acts: Acts) -> None:
    assert (await acts.open_home(SAM)).ok
    home = await eventually(lambda: page_state(acts.workspace, SAM)["home"])
    assert home["type"] == "home"
    assert page_state(acts.workspace, ALEX)["home"] is None


async def test_the_outreach_tool_posts_signed_events_as_the_sequence_owner(
    http: httpx.AsyncClient,
) -> None:
    tool = OutreachTool(str(http.base_url), OUTREACH_SECRET, http)
    added = await tool.add(ALEX, "Senior Backend Q4", ["jane@example.com", "nobody@example.com"])
    assert (added["status"], added["accepted"]) == (202, 1)
    [sequence] = tool.state(ALEX)["sequences"]
    assert sequence["id"] == "senior-backend-q4-alex" and sequence["owner"] == ALEX
    replied = await tool.send(ALEX, sequence["id"], "jane@example.com", "Replied: interested")
    assert replied["accepted"] == 1
    assert tool.state(ALEX)["sequences"][0]["contacts"][0]["last_event"] == "Replied: interested"
    assert tool.state(SAM)["sequences"] == []
    with pytest.raises(KeyError):
        await tool.send(SAM, sequence["id"], "jane@example.com", "Opened")
