"""``/crm resync <sequence> [email]``: one contact now, or a whole sequence after a preview,
with one progress message updated in place and a summary at the end."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.connectors.base import Capability
from bot.connectors.errors import ConnectorError
from bot.connectors.registry import CONNECTORS, display_name
from bot.services.resync import (
    plan_resync,
)
from bot.services.sequences import SequenceNotFound, resolve_sequence
from bot.services.settings import NOT_CONNECTED, NotConnected, find_connection, load_connection
from bot.storage import models as m
from bot.storage.models import Connection, ConnectionStatus
from bot.storage.repos import Repo
from bot.tasks import jobs
from bot.views.resync import (
    CALLBACK_RESYNC,
    OPTION_BACKFILL,
    loading_modal,
    preview_modal,
    problem_modal,
)

if TYPE_CHECKING:
    from bot.app import Runtime
    from bot.handlers.commands import Command

log = logging.getLogger(__name__)

USAGE = (
    "Usage: `/crm resync <sequence>` for the whole sequence (you see a preview first), or "
    "`/crm resync <sequence> <email>` for one contact."
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def parse_resync(text: str) -> tuple[str, str | None]:
    """(sequence, email or None): the email, if any, is the last word."""
    words = text.split()
    if words:
        last = words[-1].strip("<>")
        if last.startswith("mailto:"):
            last = last.removeprefix("mailto:").split("|", 1)[0]
        if _EMAIL.match(last):
            return " ".join(words[:-1]), last.lower()
    return text.strip(), None


async def resync(cmd: Command) -> None:
    sequence_text, email = parse_resync(cmd.args)
    if not sequence_text:
        await cmd.ack(response_type="ephemeral", text=USAGE)
        return
    try:
        conn = await load_connection(cmd.runtime.db, cmd.workspace_id, cmd.user_id)
    except NotConnected:
        await cmd.ack(response_type="ephemeral", text=NOT_CONNECTED)
        return
    crm = display_name(conn.kind)
    if conn.status == ConnectionStatus.NEEDS_REAUTH:
        await cmd.ack(
            response_type="ephemeral",
            text=f"Your {crm} connection needs reconnecting first: `/crm connect {conn.kind}`.",
        )
        return
    async with cmd.runtime.db.session() as session:
        try:
            seq = await resolve_sequence(
                Repo(session, cmd.workspace_id), cmd.user_id, sequence_text
            )
        except SequenceNotFound as exc:
            await cmd.ack(response_type="ephemeral", text=exc.reason)
            return
    if email is not None:
        await cmd.ack(response_type="ephemeral", text=f"Resyncing {email} to {crm}…")
        await cmd.runtime.runner.submit(
            jobs.resync_contact(
                cmd.workspace_id, cmd.user_id, conn.id, seq.id, email, cmd.response_url
            )
        )
        return
    await cmd.ack()
    opened = await cmd.client.views_open(
        trigger_id=cmd.trigger_id, view=loading_modal(seq.name, crm)
    )
    view_id = opened["view"]["id"]
    cmd.runtime.spawn(_preview(cmd.runtime, cmd.client, view_id, conn, seq, cmd.channel_id))


async def _preview(
    runtime: Runtime,
    client: AsyncWebClient,
    view_id: str,
    conn: Connection,
    seq: m.Sequence,
    channel_id: str | None,
) -> None:
    crm = display_name(conn.kind)
    connector = await runtime.connector_for(conn)
    try:
        plan = await plan_resync(runtime.db, connector, conn, seq.id)
    except ConnectorError as exc:
        await _replace_view(client, view_id, problem_modal(f"I could not ask {crm}: {exc.reason}"))
        return
    finally:
        await connector.aclose()
    spec = CONNECTORS.get(conn.kind)
    backfill = (
        conn.activity_enabled and spec is not None and (Capability.ACTIVITY in spec.capabilities)
    )
    view = preview_modal(
        plan, crm, backfill_available=backfill, private_metadata=f"{seq.id}|{channel_id or ''}"
    )
    await _replace_view(client, view_id, view)


async def _replace_view(client: AsyncWebClient, view_id: str, view: dict[str, Any]) -> None:
    try:
        await client.views_update(view_id=view_id, view=view)
    except SlackApiError as exc:  # the teammate closed the modal while we were counting
        log.info("resync preview not shown", extra={"error": exc.response.get("error")})


def register(app: AsyncApp, runtime: Runtime) -> None:
    @app.view(CALLBACK_RESYNC)
    async def confirmed(ack: AsyncAck, view: dict[str, Any], context: AsyncBoltContext) -> None:
        seq_id, _, channel = view.get("private_metadata", "").partition("|")
        checked = {
            o["value"]
            for o in view["state"]["values"]
            .get("backfill", {})
            .get("value", {})
            .get("selected_options")
            or []
        }
        await ack()
        if not seq_id.isdigit():
            return
        conn = await find_connection(runtime.db, context.team_id, context.user_id)
        if conn is None:
            return
        job = jobs.resync_sequence(
            context.team_id,
            context.user_id,
            conn.id,
            int(seq_id),
            channel or None,
            backfill=OPTION_BACKFILL in checked,
        )
        await runtime.runner.submit(job)
