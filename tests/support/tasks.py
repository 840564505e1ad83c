"""Running background jobs from tests, the way the clock would."""

from __future__ import annotations

from typing import Any

from bot import jobs


async def run_passes(runtime: Any, workspace_id: str = "T0001", connection_id: int = 1) -> None:
    """One sync pass and one status pass of the connection, waited for."""
    await runtime.runner.run_now(jobs.sync_pass(workspace_id, connection_id))
    await runtime.runner.run_now(jobs.status_pass(workspace_id, connection_id))


async def post_alerts(runtime: Any) -> None:
    await runtime.runner.run_now(jobs.post_alerts())
