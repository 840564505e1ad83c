"""``/crm mapping``: open the modal, add/remove rows, switch record type, validate and save."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.connectors.base import Capability, FieldSpec
from bot.connectors.errors import ConnectorError
from bot.connectors.registry import CONNECTORS
from bot.services.mapping import MappingRow, latest_mapping, save_mapping, validate_rows
from bot.services.settings import NOT_CONNECTED, NotConnected, load_connection
from bot.storage.models import Connection
from bot.storage.repos import Repo
from bot.views.limits import OPTIONS_PER_SELECT, load_metadata, pack_metadata
from bot.views.mapping import (
    ACTION_ADD,
    ACTION_FIELD_OPTIONS,
    ACTION_RECORD_TYPE,
    ACTION_REMOVE,
    CALLBACK_MAPPING,
    MAX_ROWS,
    MappingForm,
    field_block,
    field_option,
    loading_modal,
    mapping_modal,
    problem_modal,
    rows_from_state,
    saved_modal,
    source_block,
    value_block,
)

if TYPE_CHECKING:
    from bot.app import Runtime
    from bot.handlers.commands import Command

log = logging.getLogger(__name__)

# Leaves room inside Slack's 3 s for the database work around the CRM call.
FIELDS_TIMEOUT = 2.0


def _record_type(conn: Connection) -> str:
    types = CONNECTORS[conn.kind].record_types
    return conn.sync_as if conn.sync_as in types else types[0]


async def _fields(runtime: Runtime, conn: Connection, record_type: str) -> list[FieldSpec]:
    return await runtime.field_cache.fields(
        conn.id, record_type, lambda: runtime.connector_for(conn)
    )


async def _form(
    runtime: Runtime, conn: Connection, record_type: str, rows: list[MappingRow] | None = None
) -> MappingForm:
    fields = await _fields(runtime, conn, record_type)
    async with runtime.db.session() as session:
        saved = await latest_mapping(Repo(session, conn.workspace_id), conn.id, record_type)
    if rows is None:
        rows = list(saved.rows) if saved and saved.rows else [MappingRow("", "", "")]
    spec = CONNECTORS[conn.kind]
    return MappingForm(
        crm=spec.display_name,
        record_types=tuple(spec.record_types),
        record_type=record_type,
        fields=tuple(fields),
        rows=tuple(rows),
        version=saved.version if saved else None,
    )


async def _metadata(runtime: Runtime, conn: Connection, form: MappingForm, channel: str) -> str:
    state = {"rt": form.record_type, "n": min(len(form.rows), MAX_ROWS), "ch": channel}
    return await pack_metadata(runtime.db, conn.workspace_id, state)


async def open_mapping(cmd: Command) -> None:
    try:
        conn = await load_connection(cmd.runtime.db, cmd.workspace_id, cmd.user_id)
    except NotConnected:
        await cmd.ack(response_type="ephemeral", text=NOT_CONNECTED)
        return
    spec = CONNECTORS[conn.kind]
    if Capability.FIELD_MAPPING not in spec.capabilities:
        text = f"{spec.display_name} does not support custom field mapping yet."
        await cmd.ack(response_type="ephemeral", text=text)
        return
    await cmd.ack()
    # The trigger expires in 3 s: open first, then load the CRM's field list and update.
    opened = await cmd.client.views_open(
        trigger_id=cmd.trigger_id, view=loading_modal(spec.display_name)
    )
    view = opened["view"]
    try:
        form = await _form(cmd.runtime, conn, _record_type(conn))
    except ConnectorError as exc:
        reason = f"Could not read the field list from {spec.display_name}: {exc.reason}"
        await cmd.client.views_update(
            view_id=view["id"], view=problem_modal(spec.display_name, reason)
        )
        return
    metadata = await _metadata(cmd.runtime, conn, form, cmd.channel_id or "")
    await cmd.client.views_update(
        view_id=view["id"], hash=view.get("hash"), view=mapping_modal(form, metadata)
    )


def _problem_errors(problems: list[Any]) -> dict[str, str]:
    blocks = {"source": source_block, "value": value_block, "field": field_block}
    return {blocks[p.part](p.index): p.message for p in problems}


def register(app: AsyncApp, runtime: Runtime) -> None:
    async def rebuild(
        body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext, change: Any
    ) -> None:
        view = body["view"]
        try:
            conn = await load_connection(runtime.db, context.team_id, context.user_id)
        except NotConnected:
            await client.views_update(view_id=view["id"], view=problem_modal("CRM", NOT_CONNECTED))
            return
        meta = await load_metadata(runtime.db, context.team_id, view.get("private_metadata", ""))
        record_type = meta.get("rt") or _record_type(conn)
        fields = await _fields(runtime, conn, record_type)
        rows = rows_from_state(view["state"]["values"], int(meta.get("n", 0)), fields)
        record_type, rows = change(record_type, rows)
        form = await _form(runtime, conn, record_type, rows)
        metadata = await _metadata(runtime, conn, form, meta.get("ch", ""))
        await client.views_update(
            view_id=view["id"], hash=view.get("hash"), view=mapping_modal(form, metadata)
        )

    @app.action(ACTION_ADD)
    async def add_row(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await ack()
        await rebuild(body, client, context, lambda rt, rows: (rt, [*rows, MappingRow("", "", "")]))

    @app.action(ACTION_REMOVE)
    async def remove_row(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await ack()
        index = int(body["actions"][0].get("value") or -1)
        await rebuild(
            body,
            client,
            context,
            lambda rt, rows: (rt, [r for i, r in enumerate(rows) if i != index]),
        )

    @app.action(ACTION_RECORD_TYPE)
    async def record_type_changed(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await ack()
        chosen = (body["actions"][0].get("selected_option") or {}).get("value")

        def switch(rt: str, rows: list[MappingRow]) -> tuple[str, list[MappingRow] | None]:
            return (chosen, None) if chosen and chosen != rt else (rt, rows)

        await rebuild(body, client, context, switch)

    @app.options(ACTION_FIELD_OPTIONS)
    async def field_options(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        try:
            conn = await load_connection(runtime.db, context.team_id, context.user_id)
            meta = await load_metadata(
                runtime.db, context.team_id, body.get("view", {}).get("private_metadata", "")
            )
            fields = await asyncio.wait_for(
                _fields(runtime, conn, meta.get("rt") or _record_type(conn)), FIELDS_TIMEOUT
            )
        except (NotConnected, ConnectorError, TimeoutError):
            await ack(options=[])
            return
        needle = (body.get("value") or "").strip().casefold()
        matches = [f for f in fields if needle in f.label.casefold() or needle in f.name.casefold()]
        await ack(options=[field_option(f) for f in matches[:OPTIONS_PER_SELECT]])

    @app.view(CALLBACK_MAPPING)
    async def submitted(ack: AsyncAck, view: dict[str, Any], context: AsyncBoltContext) -> None:
        try:
            conn = await load_connection(runtime.db, context.team_id, context.user_id)
        except NotConnected:
            await ack(response_action="update", view=problem_modal("CRM", NOT_CONNECTED))
            return
        crm = CONNECTORS[conn.kind].display_name
        meta = await load_metadata(runtime.db, context.team_id, view.get("private_metadata", ""))
        record_type = meta.get("rt") or _record_type(conn)
        if int(meta.get("n", 0)) == 0:  # every row removed: back to the built-in fields
            version = await save_mapping(
                runtime.db, context.team_id, conn.id, record_type, [], context.user_id
            )
            await ack(response_action="update", view=saved_modal(crm, record_type, version, 0))
            return
        try:
            fields = await asyncio.wait_for(_fields(runtime, conn, record_type), FIELDS_TIMEOUT)
        except (ConnectorError, TimeoutError) as exc:
            reason = getattr(exc, "reason", f"{crm} did not answer in time")
            await ack(
                response_action="errors",
                errors={field_block(0): f"Could not check the fields in {crm}: {reason}"},
            )
            return
        rows = rows_from_state(view["state"]["values"], int(meta.get("n", 0)), fields)
        problems = validate_rows(rows, fields)
        if problems:
            await ack(response_action="errors", errors=_problem_errors(problems))
            return
        version = await save_mapping(
            runtime.db, context.team_id, conn.id, record_type, rows, context.user_id
        )
        await ack(response_action="update", view=saved_modal(crm, record_type, version, len(rows)))
