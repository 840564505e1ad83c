"""App Home: published when the teammate opens it and after the fixes it offers."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps, deps_of
from bot.services.crms import crms
from bot.services.home import home_data
from bot.services.problems import NotConnected
from bot.services.resync import retry_failed
from bot.services.settings import open_settings
from bot.views.connect import picker_modal
from bot.views.home import (
    ACTION_HOME_CONNECT,
    ACTION_HOME_EDIT_SETTINGS,
    ACTION_HOME_RETRY,
    home_view,
)
from bot.views.settings import settings_modal

__all__ = ["publish_home", "register"]

log = logging.getLogger(__name__)


async def publish_home(deps: Deps, client: AsyncWebClient, team: str, user: str) -> None:
    view = home_view(await home_data(deps, team, user))
    try:
        await client.views_publish(user_id=user, view=view)
    except SlackApiError as exc:
        log.warning("app home not published", extra={"error": exc.response.get("error")})


async def opened(event: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
    if event.get("tab", "home") != "home":
        return
    await publish_home(deps_of(context), client, context.team_id, event["user"])


async def edit_settings(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    await ack()
    try:
        form = await open_settings(deps_of(context), context.team_id, context.user_id)
    except NotConnected:
        return
    await client.views_open(trigger_id=body["trigger_id"], view=settings_modal(form))


async def connect(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
    await ack()
    await client.views_open(trigger_id=body["trigger_id"], view=picker_modal(crms()))


async def retry(ack: AsyncAck, client: AsyncWebClient, context: AsyncBoltContext) -> None:
    await ack()
    deps = deps_of(context)
    await retry_failed(deps, context.team_id, context.user_id)
    await publish_home(deps, client, context.team_id, context.user_id)


def register(app: AsyncApp) -> None:
    app.event("app_home_opened")(opened)
    app.action(ACTION_HOME_EDIT_SETTINGS)(edit_settings)
    app.action(ACTION_HOME_CONNECT)(connect)
    app.action(ACTION_HOME_RETRY)(retry)
