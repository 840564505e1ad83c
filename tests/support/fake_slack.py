"""The suite's fake Slack Web API: the sandbox's stand-in (:mod:`sandbox.slack.web_api`),
checking Block Kit against the shared schema (tests.support.blockkit) when strict.

    async with FakeSlack() as slack:
        client = AsyncWebClient(token="xoxb-test", base_url=slack.base_url)
        await client.chat_postMessage(channel="C1", text="hi")
        assert slack.calls_to("chat.postMessage")[0].args["text"] == "hi"
"""

from __future__ import annotations

from typing import Any

from sandbox.slack.web_api import Call, SlackWebApi
from tests.support import blockkit

__all__ = ["Call", "FakeSlack"]


class FakeSlack(SlackWebApi):
    def view_errors(self, view: dict[str, Any]) -> list[str]:
        return blockkit.view_errors(view)

    def message_errors(self, blocks: Any, text: Any) -> list[str]:
        return blockkit.message_errors(blocks, text)
