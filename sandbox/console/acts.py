"""What Slack does when a person uses the app in the console.

Each act becomes the request Slack would send (built by :mod:`sandbox.slack.requests`,
signed with the app's signing secret) and is posted to the app's ``/slack/events``; the
answer is applied the way Slack applies it: a command's reply shows as an ephemeral message,
a modal submission's ``response_action`` updates, pushes, clears or shows inline errors, a
menu gets its options. Trigger ids and response_urls are registered with the workspace, so
the app's ``views.open`` finds the person and its replies find the conversation.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

import httpx

from sandbox.console.directory import TEAM_ID, app_manifest, escape_mentions
from sandbox.slack import requests as sr
from sandbox.slack.web_api import SlackWebApi
from sandbox.slack.workspace import ResponseTarget

__all__ = ["Acts", "Outcome", "Surface"]

# Slack gives up on an answer after 3 seconds; the console waits longer, so that a slow
# machine shows a slow app rather than a failure, and says so when it happens.
ANSWER_SECONDS = 10.0
SLACK_SECONDS = 3.0


@dataclass(frozen=True)
class Outcome:
    """``answer``: the app's answer body; ``slow``: it took longer than Slack waits."""

    ok: bool
    error: str | None = None
    answer: Any = None
    slow: bool = False


@dataclass(frozen=True)
class Surface:
    """Where an element was used: a message (``channel`` and ``ts``) or a view (``view_id``,
    a modal or an App Home), and which element: block ``block`` and ``slot`` ("element",
    "accessory" or the element's index in the block's ``elements``)."""

    block: int
    slot: str | int
    channel: str | None = None
    ts: str | None = None
    view_id: str | None = None

    def element_in(self, blocks: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
        block = blocks[self.block]
        if self.slot in ("element", "accessory"):
            return block, block[str(self.slot)]
        return block, block["elements"][int(self.slot)]


class Acts:
    def __init__(self, slack: SlackWebApi, app_url: str, secret: str, http: httpx.AsyncClient):
        self.slack = slack
        self.workspace = slack.workspace
        self.events_url = app_url.rstrip("/") + "/slack/events"
        self.secret = secret
        self.http = http

    # ------------------------------------------------------------------ acts

    async def command(self, user: str, channel: str, line: str) -> Outcome:
        command, _, text = line.strip().partition(" ")
        if command not in app_manifest().commands:
            return self._slackbot(channel, user, f"{command} is not a valid command.")
        name, url = self._response_url(ResponseTarget(channel, user))
        request = sr.slash_command(
            self.secret,
            escape_mentions(text.strip()),
            command=command,
            user_id=user,
            team_id=TEAM_ID,
            channel_id=channel,
            channel_name=self.workspace.channels.get(channel, {}).get("name", "directmessage"),
            trigger_id=self._trigger(user),
            response_url=url,
        )
        outcome = await self._send(request)
        if not outcome.ok:
            return self._slackbot(channel, user, f"{command} failed with the error {outcome.error}")
        if isinstance(outcome.answer, dict) and (
            outcome.answer.get("text") or "blocks" in outcome.answer
        ):
            self.workspace.respond(name, outcome.answer)
        return outcome

    async def act(
        self, user: str, surface: Surface, value: Any, answers: dict[str, Any]
    ) -> Outcome:
        if surface.view_id is None:
            return await self._act_on_message(user, surface, value)
        view = self.workspace.views[surface.view_id]
        action = sr.element_action(*surface.element_in(view["blocks"]), value)
        request = sr.block_actions(
            self.secret,
            [action],
            user_id=user,
            team_id=TEAM_ID,
            view=sr.fill(view, answers),
            trigger_id=self._trigger(user),
        )
        return await self._send(request)

    async def submit(self, user: str, view_id: str, answers: dict[str, Any]) -> Outcome:
        view = self.workspace.views[view_id]
        request = sr.view_submission(
            self.secret,
            sr.fill(view, answers),
            user_id=user,
            team_id=TEAM_ID,
            trigger_id=self._trigger(user),
        )
        outcome = await self._send(request)
        if outcome.ok:
            answer = outcome.answer if isinstance(outcome.answer, dict) else {}
            self.workspace.answer_submission(user, view_id, answer)
        return outcome

    async def close(self, user: str, view_id: str) -> Outcome:
        closed = self.workspace.close_view(user, view_id)
        for view in closed:
            if view.get("notify_on_close"):
                request = sr.view_closed(
                    self.secret, view, user_id=user, team_id=TEAM_ID, is_cleared=len(closed) > 1
                )
                await self._send(request)
        return Outcome(True)

    async def options(self, user: str, surface: Surface, query: str) -> Outcome:
        """The options of an external select, as the app answers Slack's block_suggestion."""
        assert surface.view_id is not None
        view = self.workspace.views[surface.view_id]
        block, element = surface.element_in(view["blocks"])
        request = sr.block_suggestion(
            self.secret,
            element["action_id"],
            block.get("block_id", ""),
            query,
            user_id=user,
            team_id=TEAM_ID,
            view=view,
        )
        return await self._send(request)

    async def open_home(self, user: str) -> Outcome:
        return await self._send(sr.event_callback(self.secret, sr.app_home_opened_event(user)))

    # ------------------------------------------------------------------ internals

    async def _act_on_message(self, user: str, surface: Surface, value: Any) -> Outcome:
        channel, ts = str(surface.channel), str(surface.ts)
        message = self.workspace.messages.get((channel, ts))
        ephemeral = message is None
        if message is None:
            message = self.workspace.ephemerals[(channel, ts)]
        action = sr.element_action(*surface.element_in(message["blocks"]), value)
        _, url = self._response_url(ResponseTarget(channel, user, ts, ephemeral))
        container = {
            "type": "message",
            "message_ts": ts,
            "channel_id": channel,
            "is_ephemeral": ephemeral,
        }
        request = sr.block_actions(
            self.secret,
            [action],
            user_id=user,
            team_id=TEAM_ID,
            channel_id=channel,
            # Slack sends the message along, except an ephemeral one (it keeps no copy).
            message=None if ephemeral else message,
            container=container,
            response_url=url,
            trigger_id=self._trigger(user),
        )
        return await self._send(request)

    async def _send(self, request: sr.Request) -> Outcome:
        body, headers = request
        try:
            response = await self.http.post(
                self.events_url, content=body, headers=headers, timeout=ANSWER_SECONDS
            )
        except httpx.TimeoutException:
            return Outcome(False, "operation_timeout")
        except httpx.HTTPError:
            return Outcome(False, "dispatch_failed")
        if response.status_code != 200:
            return Outcome(False, f"dispatch_failed (HTTP {response.status_code})")
        slow = response.elapsed.total_seconds() > SLACK_SECONDS
        return Outcome(True, answer=_answer(response), slow=slow)

    def _trigger(self, user: str) -> str:
        trigger = sr.new_trigger_id()
        self.workspace.triggers[trigger] = user
        return trigger

    def _response_url(self, target: ResponseTarget) -> tuple[str, str]:
        name = secrets.token_hex(8)
        self.workspace.add_response_url(name, target)
        return name, self.slack.response_url(name)

    def _slackbot(self, channel: str, user: str, text: str) -> Outcome:
        self.workspace.post_ephemeral(channel, user, {"text": text}, author="Slackbot")
        return Outcome(False, text)


def _answer(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except json.JSONDecodeError:
        return {"text": response.text}
