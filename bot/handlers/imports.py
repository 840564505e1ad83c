"""``/crm import``: pick a CRM list and a sequence, then import in the background with a
progress message that turns into the summary."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.connectors.base import ListSource
from bot.connectors.errors import ConnectorError
from bot.connectors.registry import CONNECTORS, display_name
from bot.services.imports import (
    ImportRefused,
    SequenceChoice,
    sequences_of,
    start_import,
    supports_lists,
)
from bot.services.settings import NOT_CONNECTED, NotConnected, load_connection
from bot.tasks import jobs
from bot.views.imports import (
    ACTION_LIST,
    BLOCK_LIST,
    BLOCK_NEW_SEQUENCE,
    BLOCK_SEQUENCE,
    CALLBACK_IMPORT,
    SequenceOption,
    import_modal,
    list_options,
)

if TYPE_CHECKING:
    from bot.app import Runtime
    from bot.handlers.commands import Command

log = logging.getLogger(__name__)

OPTIONS_TIMEOUT = 2.5


def _no_lists(kind: str) -> str:
    with_lists = [s.display_name for s in CONNECTORS.values() if supports_lists(s.kind)]
    where = f" It works with {', '.join(with_lists)}." if with_lists else ""
    return f"`/crm import` needs a CRM with lists, and {display_name(kind)} has none.{where}"


async def open_import(cmd: Command) -> None:
    try:
        conn = await load_connection(cmd.runtime.db, cmd.workspace_id, cmd.user_id)
    except NotConnected:
        await cmd.ack(response_type="ephemeral", text=NOT_CONNECTED)
        return
    if not supports_lists(conn.kind):
        await cmd.ack(response_type="ephemeral", text=_no_lists(conn.kind))
        return
    await cmd.ack()
    sequences = await sequences_of(cmd.runtime.db, cmd.workspace_id, cmd.user_id)
    view = import_modal(
        display_name(conn.kind),
        [SequenceOption(i, n) for i, n in sequences],
        cmd.channel_id or "",
    )
    await cmd.client.views_open(trigger_id=cmd.trigger_id, view=view)


def parse_choice(values: dict[str, Any]) -> tuple[dict[str, str], SequenceChoice | None]:
    """The picked list's option and the sequence choice, or inline errors."""
    picked = values.get(BLOCK_LIST, {}).get(ACTION_LIST, {}).get("selected_option") or {}
    existing = (values.get(BLOCK_SEQUENCE, {}).get("value", {}).get("selected_option") or {}).get(
        "value"
    )
    new_name = " ".join(
        (values.get(BLOCK_NEW_SEQUENCE, {}).get("value", {}).get("value") or "").split()
    )
    errors: dict[str, str] = {}
    if not picked.get("value"):
        errors[BLOCK_LIST] = "Pick a list to import."
    if existing and new_name:
        errors[BLOCK_NEW_SEQUENCE] = "Pick a sequence or type a new name, not both."
    elif not existing and not new_name:
        errors[BLOCK_NEW_SEQUENCE] = "Pick one of your sequences or type a name for a new one."
    if errors:
        return errors, None
    choice = (
        SequenceChoice(sequence_id=int(existing)) if existing else SequenceChoice(None, new_name)
    )
    return picked, choice


def register(app: AsyncApp, runtime: Runtime) -> None:
    @app.options(ACTION_LIST)
    async def lists(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        try:
            conn = await load_connection(runtime.db, context.team_id, context.user_id)
            connector = await runtime.connector_for(conn)
            try:
                if not isinstance(connector, ListSource):
                    raise NotConnected
                found = await asyncio.wait_for(connector.list_lists(), OPTIONS_TIMEOUT)
            finally:
                await connector.aclose()
        except (NotConnected, ConnectorError, TimeoutError):
            await ack(options=[])
            return
        pairs = [(item.id, item.name) for item in found]
        await ack(options=list_options(pairs, body.get("value", "")))

    @app.view(CALLBACK_IMPORT)
    async def submitted(
        ack: AsyncAck, view: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        picked, choice = parse_choice(view["state"]["values"])
        if choice is None:
            await ack(response_action="errors", errors=picked)
            return
        try:
            import_id = await start_import(
                runtime.db,
                context.team_id,
                context.user_id,
                picked["value"],
                (picked.get("text") or {}).get("text") or picked["value"],
                choice,
            )
        except (ImportRefused, NotConnected) as exc:
            reason = exc.reason if isinstance(exc, ImportRefused) else NOT_CONNECTED
            await ack(response_action="errors", errors={BLOCK_LIST: reason})
            return
        await ack()
        await runtime.runner.submit(jobs.import_list(context.team_id, context.user_id, import_id))
