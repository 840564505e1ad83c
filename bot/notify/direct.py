"""One-off answers to a teammate: a direct message, or an ephemeral reply through a slash
command's ``response_url``. Failures are logged: whatever asked has already moved on."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.notify.progress import ProgressMessage
from bot.notify.slack_clients import SlackClients

__all__ = ["direct_message", "reply"]

log = logging.getLogger(__name__)


async def direct_message(
    clients: SlackClients,
    workspace_id: str,
    user_id: str,
    text: str,
    blocks: list[dict[str, Any]] | None = None,
) -> None:
    """DM the teammate; a Slack or network failure is logged, never raised."""
    client = await clients.for_workspace(workspace_id)
    if client is None:
        return
    try:
        opened = await client.conversations_open(users=user_id)
        await client.chat_postMessage(channel=opened["channel"]["id"], text=text, blocks=blocks)
    except SlackApiError as exc:
        _not_sent(workspace_id, user_id, str(exc.response.get("error")))
    except Exception as exc:  # network trouble reaching Slack must not break the caller
        _not_sent(workspace_id, user_id, type(exc).__name__)


def _not_sent(workspace_id: str, user_id: str, error: str) -> None:
    log.warning(
        "direct message not sent",
        extra={"workspace_id": workspace_id, "user_id": user_id, "error": error},
    )


async def reply(
    clients: SlackClients, workspace_id: str, user_id: str, response_url: str | None, text: str
) -> None:
    """Answer where the command was typed (ephemeral, through its ``response_url``); a DM
    when there is none."""
    if response_url:
        await AsyncWebhookClient(response_url).send(response_type="ephemeral", text=text)
        return
    await ProgressMessage(await clients.for_workspace(workspace_id), user_id).show(text, [])
