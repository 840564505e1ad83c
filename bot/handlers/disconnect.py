"""``/crm disconnect``: confirm, then delete the credentials and stop syncing."""

from __future__ import annotations

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import deps_of
from bot.handlers.command import Command
from bot.handlers.home import publish_home
from bot.services.connections import disconnect
from bot.services.crms import crm_name
from bot.services.problems import NotConnected
from bot.services.settings import find_connection
from bot.views.disconnect import (
    ACTION_DISCONNECT,
    ACTION_DISCONNECT_CANCEL,
    KEPT,
    NOTHING_CONNECTED,
    disconnect_prompt,
    disconnected_message,
)

__all__ = ["confirm_disconnect", "register"]


async def confirm_disconnect(cmd: Command) -> None:
    conn = await find_connection(cmd.deps, cmd.workspace_id, cmd.user_id)
    if conn is None:
        await cmd.ack(response_type="ephemeral", text=NOTHING_CONNECTED)
        return
    text, blocks = disconnect_prompt(crm_name(conn.kind), conn.kind)
    await cmd.ack(response_type="ephemeral", text=text, blocks=blocks)


async def confirmed(
    ack: AsyncAck, respond: AsyncRespond, client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    await ack()
    deps = deps_of(context)
    try:
        gone = await disconnect(deps, context.team_id, context.user_id)
    except NotConnected:
        await respond(replace_original=True, text=NOTHING_CONNECTED)
        return
    text, blocks = disconnected_message(gone.crm, gone.kind)
    await respond(replace_original=True, text=text, blocks=blocks)
    await publish_home(deps, client, context.team_id, context.user_id)


async def cancelled(ack: AsyncAck, respond: AsyncRespond) -> None:
    await ack()
    await respond(replace_original=True, text=KEPT)


def register(app: AsyncApp) -> None:
    app.action(ACTION_DISCONNECT)(confirmed)
    app.action(ACTION_DISCONNECT_CANCEL)(cancelled)
