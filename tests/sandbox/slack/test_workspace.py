"""What the Slack stand-in keeps as Slack does: replies through response_urls, ephemeral
messages, modal stacks and the answers to a modal's submission."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from sandbox.slack.workspace import ResponseTarget, SlackError, Workspace

ALEX, SAM = "U0001", "U0002"


@pytest.fixture
def workspace() -> Workspace:
    return Workspace(team_id="T0001", bot_user_id="UBOT", bot_id="BBOT", app_id="A0001")


def modal(title: str, **extra: Any) -> dict[str, Any]:
    return {"type": "modal", "title": {"type": "plain_text", "text": title}, "blocks": [], **extra}


def titles(workspace: Workspace, user: str) -> list[str]:
    return [v["title"]["text"] for v in workspace.modal_stack(user)]


def test_a_command_reply_is_ephemeral_unless_it_is_in_channel(workspace: Workspace) -> None:
    workspace.add_response_url("cmd", ResponseTarget("C1", ALEX))
    workspace.respond("cmd", {"text": "only you"})
    [(key, reply)] = workspace.ephemerals.items()
    assert key[0] == "C1" and reply["user_seeing"] == ALEX and reply["text"] == "only you"
    assert workspace.messages == {}

    workspace.respond("cmd", {"text": "everyone", "response_type": "in_channel"})
    [message] = workspace.messages.values()
    assert message["text"] == "everyone" and message["bot_id"] == "BBOT"


def test_an_actions_reply_replaces_or_deletes_the_message_it_came_from(
    workspace: Workspace,
) -> None:
    posted = workspace.post("C1", {"text": "alert", "blocks": [{"type": "divider"}]})
    workspace.add_response_url("act", ResponseTarget("C1", ALEX, posted["ts"], ephemeral=False))
    workspace.respond("act", {"replace_original": "true", "text": "decided"})
    assert workspace.messages[("C1", posted["ts"])]["text"] == "decided"
    assert "blocks" not in workspace.messages[("C1", posted["ts"])]

    ts = workspace.post_ephemeral("C1", ALEX, {"text": "Disconnect?"})
    workspace.add_response_url("eph", ResponseTarget("C1", ALEX, ts))
    workspace.respond("eph", {"replace_original": True, "text": "Kept."})
    assert workspace.ephemerals[("C1", ts)]["text"] == "Kept."
    assert workspace.ephemerals[("C1", ts)]["user_seeing"] == ALEX
    workspace.respond("eph", {"delete_original": True})
    assert ("C1", ts) not in workspace.ephemerals


def test_a_reply_to_an_unknown_response_url_changes_nothing(workspace: Workspace) -> None:
    workspace.respond("made-up-by-a-test", {"text": "hi"})
    assert workspace.messages == {} and workspace.ephemerals == {}


def test_modals_stack_per_person_up_to_three(workspace: Workspace) -> None:
    root = workspace.open_view(modal("One"), ALEX)
    second = workspace.push_view(modal("Two"), ALEX)
    assert (second["root_view_id"], second["previous_view_id"]) == (root["id"], root["id"])
    workspace.push_view(modal("Three"), ALEX)
    with pytest.raises(SlackError, match="push_limit_reached"):
        workspace.push_view(modal("Four"), ALEX)
    assert titles(workspace, ALEX) == ["One", "Two", "Three"]
    assert titles(workspace, SAM) == []

    updated = workspace.update_view(modal("Two, updated"), second, second["id"])
    assert updated["id"] == second["id"] and updated["hash"] != second["hash"]
    assert updated["previous_view_id"] == root["id"]

    closed = workspace.close_view(ALEX, second["id"])  # closes what is stacked on it too
    assert [v["title"]["text"] for v in closed] == ["Three", "Two, updated"]
    assert titles(workspace, ALEX) == ["One"]
    workspace.open_view(modal("New"), ALEX)  # a new modal replaces the open one
    assert titles(workspace, ALEX) == ["New"]


def test_clear_on_close_closes_the_whole_stack(workspace: Workspace) -> None:
    root = workspace.open_view(modal("Root", clear_on_close=True), ALEX)
    workspace.push_view(modal("Pushed"), ALEX)
    assert len(workspace.close_view(ALEX, root["id"])) == 2
    assert workspace.modal_stack(ALEX) == []


def test_the_answer_to_a_submission_is_applied_as_slack_does(workspace: Workspace) -> None:
    view = workspace.open_view(modal("Connect"), ALEX)
    workspace.answer_submission(
        ALEX, view["id"], {"response_action": "errors", "errors": {"k": "Bad"}}
    )
    assert workspace.view_errors[view["id"]] == {"k": "Bad"}
    workspace.answer_submission(
        ALEX, view["id"], {"response_action": "update", "view": modal("Done")}
    )
    assert titles(workspace, ALEX) == ["Done"] and view["id"] not in workspace.view_errors
    workspace.answer_submission(
        ALEX, view["id"], {"response_action": "push", "view": modal("More")}
    )
    assert titles(workspace, ALEX) == ["Done", "More"]
    top = workspace.modal_stack(ALEX)[-1]
    workspace.answer_submission(ALEX, top["id"], {})  # a plain ack closes the submitted view
    assert titles(workspace, ALEX) == ["Done"]
    workspace.answer_submission(ALEX, view["id"], {"response_action": "clear"})
    assert titles(workspace, ALEX) == []


async def test_a_change_wakes_whoever_waits_for_one(workspace: Workspace) -> None:
    seen = workspace.version
    waiting = asyncio.create_task(workspace.changed_since(seen))
    await asyncio.sleep(0)
    assert not waiting.done()
    workspace.post("C1", {"text": "hi"})
    assert await asyncio.wait_for(waiting, 5) > seen
    assert await workspace.changed_since(seen) == workspace.version  # no wait when behind


def test_message_timestamps_increase(workspace: Workspace) -> None:
    stamps = [workspace.next_ts() for _ in range(50)]
    assert stamps == sorted(stamps, key=float) and len(set(stamps)) == 50
