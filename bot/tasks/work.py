"""The code each background job runs (see :mod:`bot.jobs`), the same in-process and on
procrastinate workers: call a service, render through the views, post through
:mod:`bot.notify`. Every task is safe to run twice: the sync state lives in our tables, so a
retried or duplicated job finds its work already done."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import jobs
from bot.notify.alerts import Notifier
from bot.notify.direct import reply
from bot.notify.progress import ProgressMessage
from bot.notify.slack_clients import SlackClients
from bot.services import imports, resync
from bot.services.context import ServiceContext
from bot.storage.alerts import workspaces_with_unposted_alerts
from bot.storage.due import due_connections, status_due_connections
from bot.storage.models import utcnow
from bot.views import imports as import_views
from bot.views import resync as resync_views

__all__ = ["TASKS", "TaskContext"]

log = logging.getLogger(__name__)


class TaskContext(ServiceContext, Protocol):
    """What tasks need from the process they run in (the Runtime provides it)."""

    notifier: Notifier
    slack_clients: SlackClients


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
    """Bulk resync, with one DM updated with the progress until it turns into the summary
    (and a pointer to that DM where the resync was asked for)."""
    client = await ctx.slack_clients.for_workspace(workspace_id)
    message = ProgressMessage(client, user_id)
    point_from = channel_id if channel_id and not channel_id.startswith("D") else None

    async def progress(start: resync.BulkStart, now: resync.ResyncProgress) -> None:
        nonlocal point_from
        await message.show(*resync_views.progress_message(start.sequence_name, start.crm, now))
        if client is not None and point_from:
            await _point_to_dm(client, point_from, user_id, start.sequence_name)
            point_from = None

    done = await resync.resync_bulk(
        ctx, workspace_id, user_id, sequence_id, backfill=backfill, progress=progress
    )
    if done is None:
        return
    start, final = done
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
    result = await resync.resync_one(ctx, workspace_id, user_id, sequence_id, email)
    if result is not None:
        text = resync_views.one_result(result)
        await reply(ctx.slack_clients, workspace_id, user_id, response_url, text)


async def import_list(ctx: TaskContext, workspace_id: str, user_id: str, import_id: int) -> None:
    """Import a CRM list into a sequence, with a progress DM that turns into the summary."""
    message = ProgressMessage(await ctx.slack_clients.for_workspace(workspace_id), user_id)

    async def progress(summary: imports.ImportSummary) -> None:
        await message.show(*import_views.progress_message(summary))

    result = await imports.run_import(ctx, workspace_id, user_id, import_id, progress)
    if result is not None:
        await message.show(*import_views.summary_message(result))


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
