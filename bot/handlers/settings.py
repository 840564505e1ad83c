"""``/crm settings``: the modal, its job search, and saving."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.connectors.base import Capability
from bot.connectors.registry import CONNECTORS
from bot.handlers.jobs import job_options, warm_jobs
from bot.services.settings import (
    NOT_CONNECTED,
    NotConnected,
    SettingsUpdate,
    load_connection,
    save_settings,
)
from bot.storage.models import Connection, SyncMode
from bot.views.settings import (
    ACTION_JOB,
    CALLBACK_SETTINGS,
    MODE_LABELS,
    OPTION_ACTIVITY,
    OPTION_DEDUP,
    OPTION_STATUS,
    SettingsForm,
    settings_modal,
)

if TYPE_CHECKING:
    from bot.app import Runtime
    from bot.handlers.commands import Command

log = logging.getLogger(__name__)


def settings_form(conn: Connection) -> SettingsForm:
    spec = CONNECTORS[conn.kind]
    return SettingsForm(
        crm=spec.display_name,
        sync_mode=conn.sync_mode,
        record_types=tuple(spec.record_types),
        sync_as=conn.sync_as,
        dedup_enabled=conn.dedup_enabled,
        activity_enabled=conn.activity_enabled,
        default_job_id=conn.default_job_id,
        default_job_name=conn.default_job_name,
        alert_channel_id=conn.alert_channel_id,
        supports_jobs=Capability.JOBS in spec.capabilities,
        supports_statuses=Capability.STATUSES in spec.capabilities,
        status_advance=conn.status_advance,
    )


async def open_settings(cmd: Command) -> None:
    try:
        conn = await load_connection(cmd.runtime.db, cmd.workspace_id, cmd.user_id)
    except NotConnected:
        await cmd.ack(response_type="ephemeral", text=NOT_CONNECTED)
        return
    await cmd.ack()
    form = settings_form(conn)
    await cmd.client.views_open(
        trigger_id=cmd.trigger_id, view=settings_modal(form, cmd.channel_id or "")
    )
    if form.supports_jobs:
        cmd.runtime.spawn(warm_jobs(cmd.runtime, conn))


def parse_settings(
    values: dict[str, Any], record_types: tuple[str, ...], supports_statuses: bool = False
) -> SettingsUpdate:
    mode = values["sync_mode"]["value"]["selected_option"]["value"]
    sync_as = (values.get("sync_as", {}).get("value", {}).get("selected_option") or {}).get("value")
    checked = {
        o["value"] for o in values.get("options", {}).get("value", {}).get("selected_options") or []
    }
    job = values.get("default_job", {}).get(ACTION_JOB, {}).get("selected_option") or {}
    channel = values.get("alert_channel", {}).get("value", {}).get("selected_conversation")
    return SettingsUpdate(
        sync_mode=SyncMode(mode),
        sync_as=sync_as if sync_as in record_types else record_types[0],
        dedup_enabled=OPTION_DEDUP in checked,
        activity_enabled=OPTION_ACTIVITY in checked,
        default_job_id=job.get("value"),
        default_job_name=(job.get("text") or {}).get("text"),
        alert_channel_id=channel,
        status_advance=supports_statuses and OPTION_STATUS in checked,
    )


def register(app: AsyncApp, runtime: Runtime) -> None:
    @app.options(ACTION_JOB)
    async def job_search(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        query = body.get("value", "")
        await ack(options=await job_options(runtime, context.team_id, context.user_id, query))

    @app.view(CALLBACK_SETTINGS)
    async def submitted(
        ack: AsyncAck, view: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        try:
            conn = await load_connection(runtime.db, context.team_id, context.user_id)
        except NotConnected:
            await ack(response_action="errors", errors={"sync_mode": NOT_CONNECTED})
            return
        spec = CONNECTORS[conn.kind]
        update = parse_settings(
            view["state"]["values"],
            tuple(spec.record_types),
            Capability.STATUSES in spec.capabilities,
        )
        await save_settings(runtime.db, context.team_id, context.user_id, update)
        await ack()
        channel = view.get("private_metadata")
        if channel:
            summary = MODE_LABELS[update.sync_mode].split(":")[0]
            await client.chat_postEphemeral(
                channel=channel,
                user=context.user_id,
                text=f"Saved your {CONNECTORS[conn.kind].display_name} settings. Sync: {summary}.",
            )
