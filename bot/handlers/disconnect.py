"""``/crm disconnect``: confirm, then delete the credentials and stop syncing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.connectors.registry import display_name
from bot.handlers.home import publish_home
from bot.services.connections import disconnect
from bot.services.settings import NotConnected, load_connection
from bot.views.disconnect import (
    ACTION_DISCONNECT,
    ACTION_DISCONNECT_CANCEL,
    disconnect_prompt,
    disconnected_message,
)

if TYPE_CHECKING:
    from bot.app import Runtime
    from bot.handlers.commands import Command


async def confirm_disconnect(cmd: Command) -> None:
    try:
        conn = await load_connection(cmd.runtime.db, cmd.workspace_id, cmd.user_id)
    except NotConnected:
        await cmd.ack(response_type="ephemeral", text="You have no CRM connected.")
        return
    text, blocks = disconnect_prompt(display_name(conn.kind), conn.kind)
    await cmd.ack(response_type="ephemeral", text=text, blocks=blocks)


def register(app: AsyncApp, runtime: Runtime) -> None:
    @app.action(ACTION_DISCONNECT)
    async def confirmed(
        ack: AsyncAck, respond: AsyncRespond, client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await ack()
        try:
            conn = await load_connection(runtime.db, context.team_id, context.user_id)
        except NotConnected:
            await respond(replace_original=True, text="You have no CRM connected.")
            return
        crm = await disconnect(runtime.db, context.team_id, context.user_id)
        runtime.job_cache.forget(conn.id)
        if crm is None:
            await respond(replace_original=True, text="You have no CRM connected.")
            return
        text, blocks = disconnected_message(crm, conn.kind)
        await respond(replace_original=True, text=text, blocks=blocks)

        await publish_home(runtime, client, context.team_id, context.user_id)

    @app.action(ACTION_DISCONNECT_CANCEL)
    async def cancelled(ack: AsyncAck, respond: AsyncRespond) -> None:
        await ack()
        await respond(replace_original=True, text="Kept your CRM connected; nothing changed.")
