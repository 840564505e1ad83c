"""``/crm import``: pick a CRM list and a sequence, then import in the background with a
progress message that turns into the summary (the background job)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot.deps import deps_of
from bot.handlers.command import Command
from bot.services.imports import import_form, list_choices, start_import
from bot.services.problems import Refused
from bot.views.imports import (
    ACTION_LIST,
    BLOCK_LIST,
    CALLBACK_IMPORT,
    import_modal_for,
    list_options,
    submitted_choice,
)
from bot.views.problems import problem_text

__all__ = ["open_import", "register"]


async def open_import(cmd: Command) -> None:
    try:
        form = await import_form(cmd.deps, cmd.workspace_id, cmd.user_id)
    except Refused as exc:
        await cmd.ack(response_type="ephemeral", text=problem_text(exc))
        return
    await cmd.ack()
    view = import_modal_for(form, cmd.channel_id)
    await cmd.client.views_open(trigger_id=cmd.trigger_id, view=view)


async def lists(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    found = await list_choices(deps_of(context), context.team_id, context.user_id)
    pairs = [(item.id, item.name) for item in found]
    await ack(options=list_options(pairs, body.get("value", "")))


async def submitted(ack: AsyncAck, view: dict[str, Any], context: AsyncBoltContext) -> None:
    picked, choice = submitted_choice(view["state"]["values"])
    if choice is None:
        await ack(response_action="errors", errors=picked)
        return
    list_name = (picked.get("text") or {}).get("text") or picked["value"]
    try:
        await start_import(
            deps_of(context), context.team_id, context.user_id, picked["value"], list_name, choice
        )
    except Refused as exc:
        await ack(response_action="errors", errors={BLOCK_LIST: problem_text(exc)})
        return
    await ack()


def register(app: AsyncApp) -> None:
    app.options(ACTION_LIST)(lists)
    app.view(CALLBACK_IMPORT)(submitted)
