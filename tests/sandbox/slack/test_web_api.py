"""The Slack stand-in over HTTP, as the app's Slack client calls it: a trigger_id the console
handed out opens a modal for the person whose act made it, pushes stack on it, and replies
to a handed-out response_url land in the conversation."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from sandbox.slack import ResponseTarget, SlackWebApi

MODAL = {"type": "modal", "title": {"type": "plain_text", "text": "One"}, "blocks": []}


@pytest.fixture
async def slack() -> AsyncIterator[SlackWebApi]:
    async with SlackWebApi() as api:
        yield api


@pytest.fixture
def client(slack: SlackWebApi) -> AsyncWebClient:
    return AsyncWebClient(token="xoxb-test", base_url=slack.base_url)


async def test_triggers_open_and_stack_modals_for_the_person_who_acted(
    slack: SlackWebApi, client: AsyncWebClient
) -> None:
    slack.workspace.triggers.update({"t1": "U0001", "t2": "U0001"})
    opened = await client.views_open(trigger_id="t1", view=MODAL)
    pushed = await client.views_push(
        trigger_id="t2", view={**MODAL, "title": {**MODAL["title"], "text": "Two"}}
    )
    assert pushed["view"]["previous_view_id"] == opened["view"]["id"]
    stack = slack.workspace.modal_stack("U0001")
    assert [v["title"]["text"] for v in stack] == ["One", "Two"]

    slack.workspace.triggers.update({"t3": "U0001", "t4": "U0001"})
    await client.views_push(trigger_id="t3", view=MODAL)
    with pytest.raises(SlackApiError) as full:
        await client.views_push(trigger_id="t4", view=MODAL)
    assert full.value.response["error"] == "push_limit_reached"


async def test_ephemeral_messages_and_response_urls_reach_the_conversation(
    slack: SlackWebApi, client: AsyncWebClient
) -> None:
    await client.chat_postEphemeral(channel="C1", user="U0002", text="psst")
    [(where, message)] = slack.workspace.ephemerals.items()
    assert where[0] == "C1" and message["user_seeing"] == "U0002"

    slack.workspace.add_response_url("r1", ResponseTarget("C1", "U0001"))
    async with httpx.AsyncClient() as http:
        await http.post(
            slack.response_url("r1"), json={"response_type": "in_channel", "text": "hi"}
        )
    assert [m["text"] for m in slack.messages.values()] == ["hi"]
    assert slack.last_call("response_url").args["text"] == "hi"
