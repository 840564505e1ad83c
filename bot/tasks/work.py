"""The code each background job runs (see :mod:`bot.tasks.jobs`), the same in-process and on
procrastinate workers. Every task is safe to run twice: the sync state lives in our tables,
so a retried or duplicated job finds its work already done."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.connectors.base import Connector, ListSource
from bot.connectors.errors import ConnectorError
from bot.connectors.registry import display_name
from bot.notify.alerts import Notifier
from bot.notify.progress import ProgressMessage
from bot.notify.slack_clients import SlackClients
from bot.services import imports as list_imports
from bot.services import resync
from bot.services.settings import NotConnected, load_connection
from bot.storage.db import Database
from bot.storage.models import Connection, utcnow
from bot.storage.repos import (
    due_connections,
    status_due_connections,
    workspaces_with_unposted_alerts,
)
from bot.sync.engine import SyncEngine
from bot.tasks import jobs
from bot.views import imports as import_views
from bot.views import resync as resync_views

if TYPE_CHECKING:
    from bot.tasks.runner import TaskRunner

__all__ = ["TASKS", "TaskContext"]

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_SECONDS = 1.0
# A resync waits this long for a pass of its connection that is still running elsewhere.
RESYNC_LEASE_WAIT_SECONDS = 120.0


class TaskContext(Protocol):
    """What tasks need from the process they run in (the Runtime provides it)."""

    db: Database
    engine: SyncEngine
    notifier: Notifier
    slack_clients: SlackClients

    @property
    def runner(self) -> TaskRunner: ...

    async def connector_for(self, connection: Connection) -> Connector: ...


async def tick(ctx: TaskContext) -> None:
    async with ctx.db.session() as session:
        now = utcnow()
        passes = await due_connections(session, now)
        statuses = await status_due_connections(session, now)
        alerts = await workspaces_with_unposted_alerts(session)
    for workspace_id, connection_id in passes:
        await ctx.runner.submit(jobs.sync_pass(workspace_id, connection_id))
    for workspace_id, connection_id in statuses:
        await ctx.runner.submit(jobs.status_pass(workspace_id, connection_id))
    if alerts:
        await ctx.runner.submit(jobs.post_alerts())


async def sync_pass(ctx: TaskContext, workspace_id: str, connection_id: int) -> None:
    await ctx.engine.run_pass(workspace_id, connection_id)
    await ctx.runner.submit(jobs.post_alerts())


async def status_pass(ctx: TaskContext, workspace_id: str, connection_id: int) -> None:
    await ctx.engine.run_status_pass(workspace_id, connection_id)
    await ctx.runner.submit(jobs.post_alerts())


async def post_alerts(ctx: TaskContext) -> None:
    await ctx.notifier.post_all()


async def resync_sequence(
    ctx: TaskContext,
    workspace_id: str,
    user_id: str,
    sequence_id: int,
    channel_id: str | None,
    backfill: bool,
) -> None:
    """Bulk resync: mark the sequence's contacts due, run the pass, and keep one DM updated
    with the progress until it turns into the summary."""
    start = await resync.start_bulk(ctx.db, workspace_id, user_id, sequence_id, backfill=backfill)
    if start is None:
        return
    client = await ctx.slack_clients.for_workspace(workspace_id)
    message = ProgressMessage(client, user_id)

    async def report(progress: resync.ResyncProgress) -> None:
        await message.show(*resync_views.progress_message(start.sequence_name, start.crm, progress))

    await report(resync.ResyncProgress(total=len(start.due)))
    if client is not None and channel_id and not channel_id.startswith("D"):
        await _point_to_dm(client, channel_id, user_id, start.sequence_name)
    final = await resync.run_resync(
        ctx.db,
        start.conn,
        start.due,
        lambda: _run_pass_waiting(ctx, start.conn),
        report,
        PROGRESS_INTERVAL_SECONDS,
    )
    await message.show(
        *resync_views.summary_message(start.sequence_name, start.crm, final, start.skipped)
    )
    log.info("resync done", extra={"connection_id": start.conn.id, "total": final.total})


async def _point_to_dm(client: AsyncWebClient, channel: str, user: str, sequence: str) -> None:
    try:
        text = resync_views.dm_pointer(sequence)
        await client.chat_postEphemeral(channel=channel, user=user, text=text)
    except SlackApiError as exc:  # not in that channel: the DM is enough
        log.info("no ephemeral pointer to the resync", extra={"error": exc.response.get("error")})


async def resync_contact(
    ctx: TaskContext,
    workspace_id: str,
    user_id: str,
    sequence_id: int,
    email: str,
    response_url: str | None,
) -> None:
    """Resync one contact now and answer where the command was typed."""
    answer = await _resync_one(ctx, workspace_id, user_id, sequence_id, email)
    if answer is not None:
        await _respond(ctx, workspace_id, user_id, response_url, answer)


async def _resync_one(
    ctx: TaskContext, workspace_id: str, user_id: str, sequence_id: int, email: str
) -> str | None:
    try:
        conn = await load_connection(ctx.db, workspace_id, user_id)
    except NotConnected:
        return None
    crm = display_name(conn.kind)
    connector = await ctx.connector_for(conn)
    try:
        plan = await resync.plan_resync(ctx.db, connector, conn, sequence_id, email)
    except ConnectorError as exc:
        return resync_views.could_not_ask(crm, exc.reason)
    finally:
        await connector.aclose()
    if plan.total == 0:
        return resync_views.not_in_sequence(email, plan.sequence_name)
    if not plan.eligible:
        [skip] = list(plan.skipped)
        return resync_views.not_resynced(email, skip, plan.sequence_name)
    due = await resync.start_resync(ctx.db, conn, plan.eligible, backfill=conn.activity_enabled)
    await _run_pass_waiting(ctx, conn)
    progress = await resync.resync_progress(ctx.db, conn.workspace_id, conn.id, due)
    url = await resync.record_url(ctx.db, conn, email)
    return resync_views.one_outcome(email, crm, progress, url)


async def _run_pass_waiting(ctx: TaskContext, conn: Connection) -> None:
    await ctx.engine.run_pass(conn.workspace_id, conn.id, wait_seconds=RESYNC_LEASE_WAIT_SECONDS)
    await ctx.runner.submit(jobs.post_alerts())


async def _respond(
    ctx: TaskContext, workspace_id: str, user_id: str, response_url: str | None, text: str
) -> None:
    """Answer through the command's response_url (ephemeral, where it was typed); a DM when
    there is none."""
    if response_url:
        await AsyncWebhookClient(response_url).send(response_type="ephemeral", text=text)
        return
    await ProgressMessage(await ctx.slack_clients.for_workspace(workspace_id), user_id).show(
        text, []
    )


async def import_list(ctx: TaskContext, workspace_id: str, user_id: str, import_id: int) -> None:
    """Import a CRM list into a sequence, with a progress DM that turns into the summary."""
    try:
        conn = await load_connection(ctx.db, workspace_id, user_id)
    except NotConnected:
        await list_imports.fail_import(ctx.db, workspace_id, import_id, "you disconnected")
        return
    message = ProgressMessage(await ctx.slack_clients.for_workspace(workspace_id), user_id)
    current = await list_imports.summary(ctx.db, workspace_id, import_id)
    if current.status != "running":
        return  # a retried job whose import already finished
    await message.show(*import_views.progress_message(current))

    async def progress(summary: list_imports.ImportSummary) -> None:
        await message.show(*import_views.progress_message(summary))

    connector = await ctx.connector_for(conn)
    try:
        if not isinstance(connector, ListSource):
            raise ConnectorError(f"{display_name(conn.kind)} has no lists to import from.")
        result = await list_imports.run_import(ctx.db, connector, workspace_id, import_id, progress)
    except Exception as exc:
        log.exception("import failed", extra={"import_id": import_id})
        reason = exc.reason if isinstance(exc, ConnectorError) else "an unexpected error"
        result = await list_imports.fail_import(ctx.db, workspace_id, import_id, reason)
    finally:
        await connector.aclose()
    await message.show(*import_views.summary_message(result))
    await ctx.runner.submit(jobs.tick())


Task = Callable[..., Awaitable[None]]

TASKS: dict[str, Task] = {
    "tick": tick,
    "sync_pass": sync_pass,
    "status_pass": status_pass,
    "post_alerts": post_alerts,
    "resync_sequence": resync_sequence,
    "resync_contact": resync_contact,
    "import_list": import_list,
}


def describe(name: str, args: dict[str, Any]) -> dict[str, Any]:
    """Log fields of a job: its name and ids, never a payload (emails stay out of logs)."""
    return {"task": name, **{k: v for k, v in args.items() if k.endswith("_id")}}
