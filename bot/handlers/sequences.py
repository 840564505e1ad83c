"""``/crm sequences`` and ``/crm sequence <name or id>``: the list, paging, and the modal."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.connectors.base import Capability
from bot.connectors.registry import CONNECTORS
from bot.handlers.jobs import job_options, warm_jobs
from bot.services.sequences import (
    SequenceNotFound,
    SequenceOverrides,
    count_sequences,
    resolve_sequence,
    save_overrides,
)
from bot.services.settings import NOT_CONNECTED, find_connection
from bot.storage import models as m
from bot.storage.models import Connection, SyncMode
from bot.storage.repos import Repo
from bot.views.sequences import (
    ACTION_EDIT_SEQUENCE,
    ACTION_SEQUENCE_JOB,
    ACTION_SEQUENCES_PAGE,
    CALLBACK_SEQUENCE,
    INHERIT,
    OPTION_CLEAR_JOB,
    OPTION_DISABLE,
    SequenceForm,
    sequence_modal,
    sequences_message,
)

if TYPE_CHECKING:
    from bot.app import Runtime
    from bot.handlers.commands import Command

log = logging.getLogger(__name__)

USAGE = "Usage: `/crm sequence <name or id>` (`/crm sequences` lists yours)."


async def _page(runtime: Runtime, team: str, user: str, page: int) -> tuple[str, list]:
    async with runtime.db.session() as session:
        rows = await count_sequences(Repo(session, team), user)
    conn = await find_connection(runtime.db, team, user)
    crm = CONNECTORS[conn.kind].display_name if conn and conn.kind in CONNECTORS else None
    return sequences_message(rows, crm, page)


async def list_sequences(cmd: Command) -> None:
    await cmd.ack()
    text, blocks = await _page(cmd.runtime, cmd.workspace_id, cmd.user_id, 0)
    await cmd.respond(response_type="ephemeral", text=text, blocks=blocks)


async def sequence_form(runtime: Runtime, conn: Connection, seq: m.Sequence) -> SequenceForm:
    async with runtime.db.session() as session:
        [counts] = await count_sequences(Repo(session, conn.workspace_id), conn.user_id, [seq.id])
    spec = CONNECTORS[conn.kind]
    return SequenceForm(
        sequence_id=seq.id,
        name=seq.name,
        external_id=seq.external_id,
        crm=spec.display_name,
        contacts=counts.contacts,
        default_mode=conn.sync_mode,
        sync_mode=seq.sync_mode,
        record_types=tuple(spec.record_types),
        default_sync_as=conn.sync_as,
        sync_as=seq.sync_as,
        supports_jobs=Capability.JOBS in spec.capabilities,
        job_id=seq.job_id,
        job_name=seq.job_name,
        default_job_name=conn.default_job_name,
        disabled=seq.sync_disabled,
    )


async def _open_modal(
    runtime: Runtime,
    client: AsyncWebClient,
    trigger_id: str,
    conn: Connection,
    seq: m.Sequence,
    channel_id: str | None,
) -> None:
    form = await sequence_form(runtime, conn, seq)
    view = sequence_modal(form, f"{seq.id}|{channel_id or ''}")
    await client.views_open(trigger_id=trigger_id, view=view)
    if form.supports_jobs:
        runtime.spawn(warm_jobs(runtime, conn))


async def open_sequence(cmd: Command) -> None:
    conn = await find_connection(cmd.runtime.db, cmd.workspace_id, cmd.user_id)
    if conn is None:
        await cmd.ack(response_type="ephemeral", text=NOT_CONNECTED)
        return
    if not cmd.args:
        await cmd.ack(response_type="ephemeral", text=USAGE)
        return
    async with cmd.runtime.db.session() as session:
        try:
            seq = await resolve_sequence(Repo(session, cmd.workspace_id), cmd.user_id, cmd.args)
        except SequenceNotFound as exc:
            await cmd.ack(response_type="ephemeral", text=exc.reason)
            return
    await cmd.ack()
    await _open_modal(cmd.runtime, cmd.client, cmd.trigger_id, conn, seq, cmd.channel_id)


def parse_overrides(values: dict[str, Any], record_types: tuple[str, ...]) -> SequenceOverrides:
    mode = values["sync_mode"]["value"]["selected_option"]["value"]
    sync_as = (values.get("sync_as", {}).get("value", {}).get("selected_option") or {}).get("value")
    checked = {
        o["value"] for o in values.get("options", {}).get("value", {}).get("selected_options") or []
    }
    job = values.get("job", {}).get(ACTION_SEQUENCE_JOB, {}).get("selected_option") or {}
    if OPTION_CLEAR_JOB in checked:
        job = {}
    return SequenceOverrides(
        sync_mode=None if mode == INHERIT else SyncMode(mode),
        sync_as=sync_as if sync_as in record_types else None,
        job_id=job.get("value"),
        job_name=(job.get("text") or {}).get("text"),
        sync_disabled=OPTION_DISABLE in checked,
    )


def _summary(overrides: SequenceOverrides, name: str) -> str:
    if overrides.sync_disabled:
        return f"Saved: sync is disabled for “{name}”; its contacts will not sync."
    return f"Saved the sync settings of “{name}”. They apply to contacts synced from now on."


def register(app: AsyncApp, runtime: Runtime) -> None:
    @app.action(ACTION_EDIT_SEQUENCE)
    async def edit(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await ack()
        value = body["actions"][0].get("value", "")
        conn = await find_connection(runtime.db, context.team_id, context.user_id)
        if conn is None or not value.isdigit():
            return
        async with runtime.db.session() as session:
            seq = await session.get(m.Sequence, int(value))
        if seq is None or (seq.workspace_id, seq.owner_user_id) != (
            context.team_id,
            context.user_id,
        ):
            return
        channel = (body.get("channel") or {}).get("id")
        await _open_modal(runtime, client, body["trigger_id"], conn, seq, channel)

    @app.action(re.compile(f"^{ACTION_SEQUENCES_PAGE}_(prev|next)$"))
    async def page(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
    ) -> None:
        await ack()
        value = body["actions"][0].get("value", "0")
        text, blocks = await _page(
            runtime, context.team_id, context.user_id, int(value) if value.isdigit() else 0
        )
        await respond(replace_original=True, text=text, blocks=blocks)

    @app.options(ACTION_SEQUENCE_JOB)
    async def job_search(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        query = body.get("value", "")
        await ack(options=await job_options(runtime, context.team_id, context.user_id, query))

    @app.view(CALLBACK_SEQUENCE)
    async def submitted(
        ack: AsyncAck, view: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        seq_id, _, channel = view.get("private_metadata", "").partition("|")
        conn = await find_connection(runtime.db, context.team_id, context.user_id)
        if conn is None or not seq_id.isdigit():
            await ack(response_action="errors", errors={"sync_mode": NOT_CONNECTED})
            return
        record_types = tuple(CONNECTORS[conn.kind].record_types)
        overrides = parse_overrides(view["state"]["values"], record_types)
        try:
            seq = await save_overrides(
                runtime.db, context.team_id, context.user_id, int(seq_id), overrides
            )
        except SequenceNotFound as exc:
            await ack(response_action="errors", errors={"sync_mode": exc.reason})
            return
        await ack()
        if channel:
            await client.chat_postEphemeral(
                channel=channel, user=context.user_id, text=_summary(overrides, seq.name)
            )
