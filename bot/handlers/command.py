"""One ``/crm`` invocation as the subcommand listeners receive it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from slack_bolt.async_app import AsyncAck, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps

__all__ = ["Command", "Subcommand"]


@dataclass(frozen=True)
class Command:
    """The tenant comes from the verified payload only."""

    deps: Deps
    ack: AsyncAck
    respond: AsyncRespond
    client: AsyncWebClient
    workspace_id: str
    user_id: str
    channel_id: str | None
    trigger_id: str
    args: str
    response_url: str | None = None


Subcommand = Callable[[Command], Awaitable[None]]
