"""Job search shared by every modal with a job picker (settings, sequence)."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from bot.connectors.errors import ConnectorError
from bot.services.settings import NotConnected, load_connection
from bot.storage.models import Connection
from bot.views.blocks import option

if TYPE_CHECKING:
    from bot.app import Runtime

log = logging.getLogger(__name__)

# Slack drops an options answer after 3 s; an empty list beats a timeout error.
SEARCH_TIMEOUT_SECONDS = 2.5


async def warm_jobs(runtime: Runtime, conn: Connection) -> None:
    """Load the CRM's open jobs while the modal opens, so the first search is instant."""
    try:
        await runtime.job_cache.jobs(conn.id, lambda: runtime.connector_for(conn))
    except ConnectorError as exc:
        log.warning("could not load jobs", extra={"connection_id": conn.id, "kind": exc.kind})


async def job_options(
    runtime: Runtime, workspace_id: str, user_id: str, query: str
) -> list[dict[str, Any]]:
    """Options for an external job select; none when not connected or the CRM is slow."""
    try:
        conn = await load_connection(runtime.db, workspace_id, user_id)
        jobs = await asyncio.wait_for(
            runtime.job_cache.search(conn.id, lambda: runtime.connector_for(conn), query),
            timeout=SEARCH_TIMEOUT_SECONDS,
        )
    except (NotConnected, ConnectorError, TimeoutError):
        return []
    return [option(job.title, job.id) for job in jobs]
