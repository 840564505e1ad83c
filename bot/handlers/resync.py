"""``/crm resync <sequence> [email]``: one contact now, or a whole sequence after a preview,
with one progress message updated in place and a summary at the end."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.connectors.base import Capability
from bot.connectors.errors import ConnectorError
from bot.connectors.registry import CONNECTORS, display_name
from bot.services.resync import (
    ResyncProgress,
    plan_resync,
    resync_progress,
    run_resync,
    start_resync,
)
from bot.services.sequences import SequenceNotFound, resolve_sequence
from bot.services.settings import NOT_CONNECTED, NotConnected, load_connection
from bot.storage import models as m
from bot.storage.models import Connection, ConnectionStatus
from bot.storage.repos import Repo
from bot.sync.rules import ResyncSkip
from bot.views.resync import (
    CALLBACK_RESYNC,
    OPTION_BACKFILL,
    loading_modal,
    preview_modal,
    problem_modal,
    progress_message,
    summary_message,
)

if TYPE_CHECKING:
    from bot.app import Runtime
    from bot.handlers.commands import Command

log = logging.getLogger(__name__)

USAGE = (
    "Usage: `/crm resync <sequence>` for the whole sequence (you see a preview first), or "
    "`/crm resync <sequence> <email>` for one contact."
)
PROGRESS_INTERVAL_SECONDS = 1.0
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

_SKIP_ADVICE = {
    ResyncSkip.SYNCED: "It is already synced; a resync never changes synced contacts.",
    ResyncSkip.DISABLED: "Turn sync back on with `/crm sequence {seq}` first.",
    ResyncSkip.MODE_OFF: "Choose a sync mode in `/crm settings` or `/crm sequence {seq}` first.",
    ResyncSkip.NO_REPLY: "The sequence syncs on reply, and they have not replied yet.",
    ResyncSkip.FLAGGED: "Choose *Keep syncing* or *Skip contact* on the duplicate alert.",
    ResyncSkip.DISMISSED: "Someone chose *Skip contact* on the duplicate warning.",
    ResyncSkip.REMOVED: "They were removed from the sequence.",
}


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
        cmd.runtime.spawn(_resync_one(cmd, conn, seq, email))
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


async def _resync_one(cmd: Command, conn: Connection, seq: m.Sequence, email: str) -> None:
    runtime, crm = cmd.runtime, display_name(conn.kind)
    connector = await runtime.connector_for(conn)
    try:
        plan = await plan_resync(runtime.db, connector, conn, seq.id, email)
    except ConnectorError as exc:
        await cmd.respond(response_type="ephemeral", text=f"I could not ask {crm}: {exc.reason}")
        return
    finally:
        await connector.aclose()
    if plan.total == 0:
        text = f"{email} is not in “{seq.name}”. `/crm status {email}` shows where it is."
        await cmd.respond(response_type="ephemeral", text=text)
        return
    if not plan.eligible:
        [skip] = list(plan.skipped)
        advice = _SKIP_ADVICE[skip].format(seq=seq.name)
        text = f"{email} was not resynced: {skip.value}. {advice}"
        await cmd.respond(response_type="ephemeral", text=text)
        return
    due = await start_resync(runtime.db, conn, plan.eligible, backfill=conn.activity_enabled)
    await runtime.runner.run_pass_now(conn.workspace_id, conn.id)
    progress = await resync_progress(runtime.db, conn.workspace_id, conn.id, due)
    await cmd.respond(
        response_type="ephemeral", text=await _one_outcome(runtime, conn, email, progress)
    )


async def _one_outcome(
    runtime: Runtime, conn: Connection, email: str, progress: ResyncProgress
) -> str:
    crm = display_name(conn.kind)
    if progress.created or progress.linked:
        async with runtime.db.session() as session:
            repo = Repo(session, conn.workspace_id)
            contact = await repo.contact_by_email(email)
            link = (
                (await repo.links_for(conn.id, [contact.id])).get(contact.id) if contact else None
            )
        how = "created in" if progress.created else "linked to its existing record in"
        where = f" <{link.record_url}|Open in {crm}>" if link and link.record_url else ""
        return f"{email} is synced: {how} {crm}.{where}"
    if progress.failures:
        return f"{email} did not sync: {progress.failures[0][1]}"
    why = f" ({progress.stopped})" if progress.stopped else ""
    return f"{email} is queued and syncs as soon as {crm} answers{why}."


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
        if seq_id.isdigit():
            runtime.spawn(
                _run_bulk(
                    runtime,
                    context.team_id,
                    context.user_id,
                    int(seq_id),
                    channel,
                    OPTION_BACKFILL in checked,
                )
            )


async def _run_bulk(
    runtime: Runtime, team: str, user: str, seq_id: int, channel: str, backfill: bool
) -> None:
    try:
        conn = await load_connection(runtime.db, team, user)
    except NotConnected:
        return
    async with runtime.db.session() as session:
        seq = await session.get(m.Sequence, seq_id)
        if seq is None or (seq.workspace_id, seq.owner_user_id) != (team, user):
            return
        members = await _membership_ids(session, team, seq_id)
    due = await start_resync(runtime.db, conn, members, backfill=backfill)
    skipped = len(members) - len(due)
    client = await runtime.slack_clients.for_workspace(team)
    if client is None:
        return
    crm = display_name(conn.kind)
    message = ProgressMessage(client, user)
    await message.show(*progress_message(seq.name, crm, ResyncProgress(total=len(due))))
    if channel and not channel.startswith("D"):
        await _point_to_dm(client, channel, user, seq.name)

    async def report(progress: ResyncProgress) -> None:
        await message.show(*progress_message(seq.name, crm, progress))

    final = await run_resync(
        runtime.db,
        conn,
        due,
        lambda: runtime.runner.run_pass_now(team, conn.id),
        report,
        PROGRESS_INTERVAL_SECONDS,
    )
    await message.show(*summary_message(seq.name, crm, final, skipped))
    log.info("resync done", extra={"connection_id": conn.id, "total": final.total})


async def _point_to_dm(client: AsyncWebClient, channel: str, user: str, sequence: str) -> None:
    try:
        await client.chat_postEphemeral(
            channel=channel,
            user=user,
            text=f"Resyncing “{sequence}”: progress and the summary are in your messages with me.",
        )
    except SlackApiError as exc:  # not in that channel: the DM is enough
        log.info("no ephemeral pointer to the resync", extra={"error": exc.response.get("error")})


async def _membership_ids(session: AsyncSession, team: str, seq_id: int) -> list[int]:
    rows = await session.scalars(
        select(m.Membership.id)
        .where(m.Membership.workspace_id == team, m.Membership.sequence_id == seq_id)
        .order_by(m.Membership.id)
    )
    return list(rows)


class ProgressMessage:
    """One message in the teammate's DM with the bot, posted once and then edited in place
    with chat.update. A DM, not the channel: the summary names contacts and their failures."""

    def __init__(self, client: AsyncWebClient, user: str):
        self.client = client
        self.channel = user
        self.ts: str | None = None

    async def show(self, text: str, blocks: list[dict[str, Any]]) -> None:
        try:
            if self.ts is None:
                response = await self.client.chat_postMessage(
                    channel=self.channel, text=text, blocks=blocks
                )
                self.channel, self.ts = response["channel"], response["ts"]
            else:
                await self.client.chat_update(
                    channel=self.channel, ts=self.ts, text=text, blocks=blocks
                )
        except SlackApiError as exc:
            log.warning("resync progress not shown", extra={"error": exc.response.get("error")})
