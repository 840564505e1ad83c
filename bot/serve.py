"""Starting the roles: uvicorn for the web role, the clock for the worker role, Socket Mode
when SLACK_APP_TOKEN is set."""

from __future__ import annotations

import asyncio
import logging

import uvicorn

from bot.app import Runtime, create_app
from bot.settings import Settings

log = logging.getLogger(__name__)


async def serve(settings: Settings, role: str) -> None:
    runtime = Runtime(settings)
    if role == "worker":
        await _worker(runtime)
        return
    app = create_app(runtime, clock=role == "all")
    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_level="info")
    server = uvicorn.Server(config)
    log.info("CRM Sync Bot listening on http://%s:%s (role %s)", settings.host, settings.port, role)
    tasks = [asyncio.create_task(server.serve())]
    if settings.slack_app_token and runtime.bolt is not None:
        tasks.append(asyncio.create_task(_socket_mode(runtime, settings)))
    await asyncio.gather(*tasks)


async def _socket_mode(runtime: Runtime, settings: Settings) -> None:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    handler = AsyncSocketModeHandler(runtime.bolt, settings.slack_app_token.get_secret_value())
    log.info("Slack Socket Mode connecting")
    await handler.start_async()


async def _worker(runtime: Runtime) -> None:
    await runtime.start(clock=True)
    log.info("worker running: syncing every %ss", runtime.settings.sync_interval_seconds)
    try:
        await asyncio.Event().wait()
    finally:
        await runtime.stop()
