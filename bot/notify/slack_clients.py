"""Which Slack Web API client speaks for a workspace.

Single-workspace mode has one bot token; multi-workspace installs look the token up per team.
Background work (alerts, DMs) asks this seam, never a handler's injected client.
"""

from __future__ import annotations

from typing import Protocol

from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

__all__ = ["SingleWorkspaceClients", "SlackClients", "make_client"]


def make_client(token: str | None, base_url: str) -> AsyncWebClient:
    client = AsyncWebClient(token=token, base_url=base_url)
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=2))
    return client


class SlackClients(Protocol):
    async def for_workspace(self, workspace_id: str) -> AsyncWebClient | None: ...


class SingleWorkspaceClients:
    def __init__(self, token: str | None, base_url: str):
        self._client = make_client(token, base_url) if token else None

    async def for_workspace(self, workspace_id: str) -> AsyncWebClient | None:
        return self._client
