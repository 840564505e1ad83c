"""``/crm mapping``: open the modal, add/remove rows, switch record type, validate and save."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import deps_of
from bot.handlers.command import Command
from bot.services import mapping as service
from bot.services.mapping import MappingInvalid, RowsChange
from bot.services.problems import NotConnected, Problem, Refused
from bot.views.mapping import (
    ACTION_ADD,
    ACTION_FIELD_OPTIONS,
    ACTION_RECORD_TYPE,
    ACTION_REMOVE,
    CALLBACK_MAPPING,
    MAX_ROWS,
    field_option,
    loading_modal,
    mapping_modal,
    problem_errors,
    problem_modal,
    rows_from_state,
    saved_modal,
    uncheckable_fields,
    unreadable_fields,
)
from bot.views.problems import NOT_CONNECTED, problem_text

__all__ = ["open_mapping", "register"]


async def open_mapping(cmd: Command) -> None:
    try:
        crm = await service.mapping_crm(cmd.deps, cmd.workspace_id, cmd.user_id)
    except Refused as exc:
        await cmd.ack(response_type="ephemeral", text=problem_text(exc))
        return
    await cmd.ack()
    # The trigger expires in 3 s: open first, then load the CRM's field list and update.
    opened = await cmd.client.views_open(trigger_id=cmd.trigger_id, view=loading_modal(crm))
    view = opened["view"]
    try:
        form = await service.mapping_form(
            cmd.deps,
            cmd.workspace_id,
            cmd.user_id,
            max_rows=MAX_ROWS,
            channel=cmd.channel_id or "",
        )
    except Refused as exc:
        await cmd.client.views_update(
            view_id=view["id"], view=problem_modal(crm, unreadable_fields(exc))
        )
        return
    await cmd.client.views_update(
        view_id=view["id"], hash=view.get("hash"), view=mapping_modal(form)
    )


async def _rebuild(
    body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext, change: RowsChange
) -> None:
    view = body["view"]
    try:
        form = await service.mapping_form(
            deps_of(context),
            context.team_id,
            context.user_id,
            max_rows=MAX_ROWS,
            metadata=view.get("private_metadata", ""),
            read_rows=lambda count: rows_from_state(view["state"]["values"], count),
            change=change,
        )
    except NotConnected:
        await client.views_update(view_id=view["id"], view=problem_modal("CRM", NOT_CONNECTED))
        return
    except Refused as exc:
        crm = exc.params.get("crm", "CRM")
        await client.views_update(
            view_id=view["id"], view=problem_modal(crm, unreadable_fields(exc))
        )
        return
    await client.views_update(view_id=view["id"], hash=view.get("hash"), view=mapping_modal(form))


async def add_row(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    await ack()
    await _rebuild(body, client, context, service.add_row)


async def remove_row(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    await ack()
    index = int(body["actions"][0].get("value") or -1)
    await _rebuild(body, client, context, service.remove_row(index))


async def record_type_changed(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    await ack()
    chosen = (body["actions"][0].get("selected_option") or {}).get("value")
    await _rebuild(body, client, context, service.switch_record_type(chosen))


async def field_options(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    metadata = body.get("view", {}).get("private_metadata", "")
    query = body.get("value") or ""
    fields = await service.field_choices(
        deps_of(context), context.team_id, context.user_id, metadata, query
    )
    await ack(options=[field_option(f) for f in fields])


async def submitted(ack: AsyncAck, view: dict[str, Any], context: AsyncBoltContext) -> None:
    try:
        saved = await service.save_mapping(
            deps_of(context),
            context.team_id,
            context.user_id,
            view.get("private_metadata", ""),
            lambda count: rows_from_state(view["state"]["values"], count),
        )
    except MappingInvalid as exc:
        await ack(response_action="errors", errors=problem_errors(exc.errors))
        return
    except Refused as exc:
        if exc.problem is Problem.NOT_CONNECTED:
            await ack(response_action="update", view=problem_modal("CRM", NOT_CONNECTED))
        else:
            await ack(response_action="errors", errors=uncheckable_fields(exc))
        return
    view = saved_modal(saved.crm, saved.record_type, saved.version, saved.rows)
    await ack(response_action="update", view=view)


def register(app: AsyncApp) -> None:
    app.action(ACTION_ADD)(add_row)
    app.action(ACTION_REMOVE)(remove_row)
    app.action(ACTION_RECORD_TYPE)(record_type_changed)
    app.options(ACTION_FIELD_OPTIONS)(field_options)
    app.view(CALLBACK_MAPPING)(submitted)
