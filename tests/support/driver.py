"""Drives the bot the way Slack does: signed requests to /slack/events, one per user act."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.conftest import eventually
from tests.support import slack_requests as sr
from tests.support.blockkit import assert_valid_view
from tests.support.fake_slack import FakeSlack


async def opened_view(slack: FakeSlack, count: int) -> dict[str, Any]:
    """The modal the bot opened, once ``count`` views exist (opening happens after the ack);
    every view it sent is checked against the Block Kit schema."""
    await eventually(lambda: len(slack.views) >= count)
    for call in slack.calls:
        if call.method in ("views.open", "views.update", "views.push"):
            assert_valid_view(call.args["view"])
    return list(slack.views.values())[count - 1]


class SlackUser:
    def __init__(
        self,
        http: httpx.AsyncClient,
        slack: FakeSlack,
        secret: str,
        *,
        user_id: str = "U0001",
        team_id: str = "T0001",
        channel_id: str = "C0001",
    ):
        self.http = http
        self.slack = slack
        self.secret = secret
        self.user_id = user_id
        self.team_id = team_id
        self.channel_id = channel_id

    async def _send(self, request: tuple[str, dict[str, str]]) -> httpx.Response:
        body, headers = request
        response = await self.http.post("/slack/events", content=body, headers=headers)
        assert response.status_code == 200, response.text
        return response

    def _who(self) -> dict[str, str]:
        return {"user_id": self.user_id, "team_id": self.team_id}

    async def command(self, text: str) -> httpx.Response:
        return await self._send(
            sr.slash_command(
                self.secret,
                text,
                channel_id=self.channel_id,
                response_url=self.slack.response_url("cmd"),
                **self._who(),
            )
        )

    async def submit(
        self, view: dict[str, Any], answers: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        response = await self._send(
            sr.view_submission(self.secret, sr.fill(view, answers), **self._who())
        )
        return json.loads(response.text) if response.text else {}

    async def pick(self, view: dict[str, Any], key: str, value: Any) -> httpx.Response:
        action = sr.action_for(view, key, value)
        return await self._send(sr.block_actions(self.secret, [action], view=view, **self._who()))

    async def click(
        self, blocks: list[dict[str, Any]], button_text: str, *, channel_id: str
    ) -> httpx.Response:
        action = sr.action_for(blocks, button_text)
        message = {"blocks": blocks}
        return await self._send(
            sr.block_actions(
                self.secret,
                [action],
                channel_id=channel_id,
                message=message,
                response_url=self.slack.response_url("alert"),
                **self._who(),
            )
        )

    async def suggest(
        self, view: dict[str, Any], action_id: str, block_id: str, query: str
    ) -> dict[str, Any]:
        response = await self._send(
            sr.block_suggestion(self.secret, action_id, block_id, query, view=view, **self._who())
        )
        return response.json()
