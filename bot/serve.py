"""Starting the roles.

``all`` (the default): HTTP and background jobs in one process. ``web``: HTTP only; jobs are
deferred to the queue. ``worker``: background jobs, with only /healthz, /readyz and /metrics
over HTTP. Splitting the roles needs the task queue, i.e. PostgreSQL: with SQLite, one process
does everything.
"""

from __future__ import annotations

import asyncio
import logging
import signal

import uvicorn

from bot.app import Runtime, create_app, create_worker_app
from bot.settings import Settings

__all__ = ["RoleRefused", "serve"]

log = logging.getLogger(__name__)


class RoleRefused(SystemExit):
    """The role cannot run with this configuration; the message says what to change."""


def check_role(settings: Settings, role: str) -> None:
    if role in ("web", "worker") and not settings.uses_task_queue:
        raise RoleRefused(
            f"The {role} role runs apart from the others only on PostgreSQL "
            "(DATABASE_URL=postgresql://...), where jobs go through a shared queue. "
            "With SQLite, run everything in one process: python -m bot"
        )


async def serve(settings: Settings, role: str) -> None:
    check_role(settings, role)
    runtime = Runtime(settings)
    if role == "worker":
        app = create_worker_app(runtime)
    else:
        app = create_app(runtime, clock=role == "all")
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level="info",
        timeout_graceful_shutdown=settings.worker_shutdown_seconds + 5,
    )
    server = uvicorn.Server(config)
    log.info("CRM Sync Bot on http://%s:%s (role %s)", settings.host, settings.port, role)
    # uvicorn shuts down gracefully on SIGTERM/SIGINT, then raises the signal again for the
    # handler it found: ours only notes it, so a clean stop exits 0.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: None)
    if role != "worker" and settings.slack_app_token and runtime.bolt is not None:
        socket = asyncio.create_task(_socket_mode(runtime, settings))
        await server.serve()
        socket.cancel()
        return
    await server.serve()


async def _socket_mode(runtime: Runtime, settings: Settings) -> None:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    handler = AsyncSocketModeHandler(runtime.bolt, settings.slack_app_token.get_secret_value())
    runtime.socket_mode = handler
    log.info("Slack Socket Mode connecting")
    await handler.start_async()
