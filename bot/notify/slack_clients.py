"""Which Slack Web API client speaks for a workspace.

Single-workspace mode has one bot token; multi-workspace installs look the token up per team.
Background work (alerts, DMs) asks this seam, never a handler's injected client.
"""

from __future__ import annotations

from typing import Protocol

from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient

__all__ = ["MultiWorkspaceClients", "SingleWorkspaceClients", "SlackClients", "make_client"]


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


class MultiWorkspaceClients:
    """Clients for OAuth-installed workspaces: each workspace's own bot token, looked up in
    the installation store (``None`` once the app was uninstalled there)."""

    def __init__(self, store: AsyncInstallationStore, base_url: str):
        self._store = store
        self._base_url = base_url

    async def for_workspace(self, workspace_id: str) -> AsyncWebClient | None:
        bot = await self._store.async_find_bot(enterprise_id=None, team_id=workspace_id)
        if bot is None or not bot.bot_token:
            return None
        return make_client(bot.bot_token, self._base_url)
