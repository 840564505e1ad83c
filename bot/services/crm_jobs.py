"""The open jobs of the teammate's CRM, for the job pickers of the settings and sequence
modals."""

from __future__ import annotations

import asyncio
import logging

from bot.connectors.base import CrmJob
from bot.connectors.errors import ConnectorError
from bot.services.context import ServiceContext
from bot.services.problems import NotConnected
from bot.services.settings import load_connection

__all__ = ["job_choices", "warm_jobs"]

log = logging.getLogger(__name__)

# Slack drops an options answer after 3 s; an empty list beats a timeout error.
SEARCH_TIMEOUT_SECONDS = 2.5


async def warm_jobs(ctx: ServiceContext, workspace_id: str, user_id: str) -> None:
    """Load the CRM's open jobs while the modal opens, so the first search is instant."""
    try:
        conn = await load_connection(ctx, workspace_id, user_id)
        await ctx.job_cache.jobs(conn.id, lambda: ctx.connector_for(conn))
    except NotConnected:
        return
    except ConnectorError as exc:
        log.warning("could not load jobs", extra={"connection_id": conn.id, "kind": exc.kind})


async def job_choices(
    ctx: ServiceContext, workspace_id: str, user_id: str, query: str
) -> list[CrmJob]:
    """Open jobs matching ``query``; none when not connected or the CRM is slow."""
    try:
        conn = await load_connection(ctx, workspace_id, user_id)
        return await asyncio.wait_for(
            ctx.job_cache.search(conn.id, lambda: ctx.connector_for(conn), query),
            timeout=SEARCH_TIMEOUT_SECONDS,
        )
    except (NotConnected, ConnectorError, TimeoutError):
        return []
