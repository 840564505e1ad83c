"""``app_uninstalled`` and ``tokens_revoked``: answered in both modes, as the manifest
subscribes to them. Multi-workspace installs delete that workspace's stored tokens (Bolt's
listeners over our installation store); a single workspace's token lives in
``SLACK_BOT_TOKEN``, so there is nothing to delete: the event is logged for whoever runs
the app to install it again and replace the token."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

__all__ = ["register"]

log = logging.getLogger(__name__)


async def uninstalled(context: AsyncBoltContext) -> None:
    log.warning(
        "the app was uninstalled; SLACK_BOT_TOKEN no longer works until it is installed again",
        extra={"workspace_id": context.team_id},
    )


async def revoked(event: dict[str, Any], context: AsyncBoltContext) -> None:
    bot = bool(event.get("tokens", {}).get("bot"))
    log.warning(
        "Slack revoked the app's tokens%s",
        "; SLACK_BOT_TOKEN needs replacing" if bot else "",
        extra={"workspace_id": context.team_id},
    )


def register(app: AsyncApp) -> None:
    if app.installation_store is not None:  # multi-workspace: Bolt deletes the stored tokens
        app.enable_token_revocation_listeners()
        return
    app.event("app_uninstalled")(uninstalled)
    app.event("tokens_revoked")(revoked)
