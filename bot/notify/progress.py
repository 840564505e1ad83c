"""One message in a teammate's DM with the bot, posted once and then edited in place with
``chat.update``: progress of long work (resync, list import) that turns into its summary.
A DM, not the channel: summaries name contacts and their failures."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

__all__ = ["ProgressMessage"]

log = logging.getLogger(__name__)


class ProgressMessage:
    def __init__(self, client: AsyncWebClient | None, user_id: str):
        self.client = client
        self.channel = user_id
        self.ts: str | None = None

    async def show(self, text: str, blocks: list[dict[str, Any]]) -> None:
        if self.client is None:
            return  # the app was uninstalled from the workspace meanwhile
        try:
            if self.ts is None:
                response = await self.client.chat_postMessage(
                    channel=self.channel, text=text, blocks=blocks
                )
                self.channel, self.ts = response["channel"], response["ts"]
            else:
                await self.client.chat_update(
                    channel=self.channel, ts=self.ts, text=text, blocks=blocks
                )
        except SlackApiError as exc:
            log.warning("progress message not shown", extra={"error": exc.response.get("error")})
