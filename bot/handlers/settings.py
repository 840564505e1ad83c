"""``/crm settings``: the modal and saving it (its job search is :mod:`bot.handlers.jobs`)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import deps_of
from bot.handlers.command import Command
from bot.services.crm_jobs import warm_jobs
from bot.services.problems import NotConnected
from bot.services.settings import open_settings as settings_of
from bot.services.settings import save_settings
from bot.views.problems import NOT_CONNECTED
from bot.views.settings import CALLBACK_SETTINGS, saved_message, settings_modal, settings_update

__all__ = ["open_settings", "register"]


async def open_settings(cmd: Command) -> None:
    try:
        form = await settings_of(cmd.deps, cmd.workspace_id, cmd.user_id)
    except NotConnected:
        await cmd.ack(response_type="ephemeral", text=NOT_CONNECTED)
        return
    await cmd.ack()
    await cmd.client.views_open(
        trigger_id=cmd.trigger_id, view=settings_modal(form, cmd.channel_id or "")
    )
    if form.supports_jobs:
        cmd.deps.spawn(warm_jobs(cmd.deps, cmd.workspace_id, cmd.user_id))


async def submitted(
    ack: AsyncAck, view: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    update = settings_update(view["state"]["values"])
    try:
        saved = await save_settings(deps_of(context), context.team_id, context.user_id, update)
    except NotConnected:
        await ack(response_action="errors", errors={"sync_mode": NOT_CONNECTED})
        return
    await ack()
    channel = view.get("private_metadata")
    if channel:
        await client.chat_postEphemeral(
            channel=channel, user=context.user_id, text=saved_message(saved.crm, saved.sync_mode)
        )


def register(app: AsyncApp) -> None:
    app.view(CALLBACK_SETTINGS)(submitted)
