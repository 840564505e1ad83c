"""Builds the runtime (database, crypto, connectors, engine, clock, Bolt) and the ASGI app."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp

from bot import jobs
from bot.connectors.base import Connector
from bot.connectors.registry import build_connector
from bot.connectors.skeleton import SessionCache
from bot.deps import provide
from bot.handlers import register_all
from bot.jobs import TaskRunner
from bot.notify.alerts import Notifier
from bot.notify.slack_clients import (
    MultiWorkspaceClients,
    SingleWorkspaceClients,
    SlackClients,
    make_client,
)
from bot.ops import routes as ops
from bot.services.caches import FieldCache, JobCache
from bot.services.crm_oauth import OAuthFlows
from bot.services.events import OutreachEvent
from bot.settings import Settings
from bot.slack_install.oauth import oauth_settings
from bot.slack_install.stores import DbInstallationStore
from bot.storage.crypto import SecretBox
from bot.storage.db import Database, upgrade_to_head
from bot.storage.models import Connection
from bot.sync.engine import SyncEngine
from bot.tasks.clock import Clock
from bot.tasks.queue import ProcrastinateRunner, WorkerOptions
from bot.tasks.runner import InProcessRunner
from bot.web import crm_oauth, outreach

__all__ = ["Runtime", "create_app", "create_worker_app"]

log = logging.getLogger(__name__)


class Runtime:
    """Everything a request handler or a background task needs, built once per process: the
    ``ServiceContext`` of the use cases, the ``Deps`` of the listeners (put into every Bolt
    request's context by a middleware) and the ``TaskContext`` of the jobs."""

    def __init__(
        self,
        settings: Settings,
        *,
        crm_transport: httpx.AsyncBaseTransport | None = None,
        slack_clients: SlackClients | None = None,
    ):
        self.settings = settings
        self.db = Database(settings.database_url)
        self.box = SecretBox(settings.fernet_keys)
        self.crm_transport = crm_transport
        # CRM logins reused by the connector built for each sync pass (Salesforce sessions).
        self.crm_sessions = SessionCache()
        self.installations = (
            DbInstallationStore(self.db, self.box) if settings.oauth_install_enabled else None
        )
        self.slack_clients = slack_clients or self._slack_clients()
        self.engine = SyncEngine(self.db, self.connector_for)
        self.notifier = Notifier(self.db, self.slack_clients)
        self.runner: TaskRunner = self._task_runner()
        self.clock = Clock(self.runner, settings.sync_interval_seconds)
        self._worker: asyncio.Task[None] | None = None
        self.socket_mode: Any = None  # the Socket Mode handler, when SLACK_APP_TOKEN is set
        self.background = False  # this process runs background jobs (roles all and worker)
        self.job_cache = JobCache()
        # CRM login flows (Salesforce); the code exchange goes through the CRM transport too.
        self.oauth = OAuthFlows(self.db, self.box, settings, self.connector, crm_transport)
        self.field_cache = FieldCache()
        self._background: set[asyncio.Task[Any]] = set()
        self.bolt = build_bolt(self) if not settings.missing_slack_settings() else None

    def _slack_clients(self) -> SlackClients:
        if self.installations is not None:
            return MultiWorkspaceClients(self.installations, self.settings.slack_api_url)
        secret = self.settings.slack_bot_token
        return SingleWorkspaceClients(
            secret.get_secret_value() if secret else None, self.settings.slack_api_url
        )

    def _task_runner(self) -> TaskRunner:
        settings = self.settings
        if not settings.uses_task_queue:
            return InProcessRunner(self)
        options = WorkerOptions(
            concurrency=settings.worker_concurrency,
            shutdown_seconds=settings.worker_shutdown_seconds,
            heartbeat_seconds=settings.worker_heartbeat_seconds,
            stalled_seconds=settings.worker_stalled_seconds,
        )
        return ProcrastinateRunner(
            self,
            settings.database_url,
            interval_seconds=settings.sync_interval_seconds,
            worker=options,
        )

    def connector(self, kind: str, credentials: dict[str, str]) -> Connector:
        return build_connector(
            kind, credentials, self.settings, self.crm_transport, self.crm_sessions
        )

    async def connector_for(self, connection: Connection) -> Connector:
        return self.connector(connection.kind, self.box.decrypt_json(connection.credentials))

    async def start(self, *, clock: bool = True) -> None:
        """Migrate (unless a release step does it), open the task runner, and with ``clock``
        run background jobs in this process: the in-process clock, or a procrastinate
        worker."""
        if self.settings.migrate_on_start:
            await upgrade_to_head(self.settings.database_url)
        await self.runner.start()
        if clock:
            self.background = True
            if isinstance(self.runner, ProcrastinateRunner):
                self._worker = asyncio.create_task(self.runner.run_worker())
            else:
                self.clock.start()
        missing = self.settings.missing_slack_settings()
        if missing:
            log.warning(slack_setup_hint(missing))

    async def stop(self) -> None:
        await self.clock.stop()
        if self._worker is not None:
            # Cancelling stops the worker gracefully: no new job, running ones finish.
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
        for task in list(self._background):
            await task
        await self.runner.stop()
        await self.db.dispose()

    def spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run work after the Slack acknowledgement; kept referenced and awaited on stop."""
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def kick(self) -> None:
        """New work arrived: look for due work now instead of at the next tick."""
        if self.background or isinstance(self.runner, ProcrastinateRunner):
            await self.runner.submit(jobs.tick())


def slack_setup_hint(missing: list[str]) -> str:
    return (
        f"Slack is not configured: missing {', '.join(missing)}. The outreach events API and "
        "/healthz work; /slack/events answers 503 until then. To create the Slack app: "
        "api.slack.com/apps → Create New App → From an app manifest, paste slack/manifest.yml "
        "(replace YOUR-PUBLIC-URL), install it, then set SLACK_BOT_TOKEN (OAuth & Permissions) "
        "and SLACK_SIGNING_SECRET (Basic Information), or SLACK_APP_TOKEN for Socket Mode."
    )


def build_bolt(runtime: Runtime) -> AsyncApp:
    settings = runtime.settings
    secret = settings.slack_signing_secret
    common: dict[str, Any] = {
        "signing_secret": secret.get_secret_value() if secret else None,
        # HTTP requests must be signed; without a secret (Socket Mode) /slack/events is closed.
        "request_verification_enabled": secret is not None,
    }
    if runtime.installations is not None:
        app = AsyncApp(
            **common,
            client=make_client(None, settings.slack_api_url),
            oauth_settings=oauth_settings(settings, runtime.db, runtime.installations),
            installation_store_bot_only=True,
        )
    else:
        token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
        app = AsyncApp(**common, client=make_client(token, settings.slack_api_url))
    app.use(provide(runtime))
    register_all(app)
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title="CRM Sync Bot",
        version="0.1.0",
        routes=app.routes,
        description="Outreach events API and service endpoints of CRM Sync Bot.",
    )
    event_schema = OutreachEvent.model_json_schema(ref_template="#/components/schemas/{model}")
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(event_schema.pop("$defs", {}))
    components["OutreachEvent"] = event_schema
    app.openapi_schema = schema
    return schema


def _lifespan(runtime: Runtime, clock: bool):
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await runtime.start(clock=clock)
        yield
        if clock:
            log.info(
                "stopping: no new jobs; running jobs get up to %ss to finish",
                runtime.settings.worker_shutdown_seconds,
            )
        await runtime.stop()
        log.info("stopped")

    return lifespan


def create_worker_app(runtime: Runtime) -> FastAPI:
    """The worker role: background jobs, with only the operations endpoints over HTTP."""
    app = FastAPI(title="CRM Sync Bot worker", lifespan=_lifespan(runtime, True), docs_url=None)
    app.state.runtime = runtime
    app.include_router(ops.router)
    return app


def create_app(runtime: Runtime, *, clock: bool = True) -> FastAPI:
    app = FastAPI(
        title="CRM Sync Bot",
        lifespan=_lifespan(runtime, clock),
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.runtime = runtime
    app.include_router(outreach.router)
    app.include_router(crm_oauth.router)
    app.include_router(ops.router)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    http_slack = runtime.bolt is not None and runtime.settings.slack_signing_secret is not None
    slack_handler = AsyncSlackRequestHandler(runtime.bolt) if http_slack else None

    if runtime.installations is not None:

        @app.get("/slack/install", include_in_schema=False)
        @app.get("/slack/oauth_redirect", include_in_schema=False)
        async def slack_oauth(request: Request):
            if slack_handler is None:
                return JSONResponse({"error": "Slack is not configured"}, status_code=503)
            return await slack_handler.handle(request)

    @app.post("/slack/events", include_in_schema=False)
    async def slack_events(request: Request):
        if slack_handler is None:
            missing = runtime.settings.missing_slack_settings() or ["SLACK_SIGNING_SECRET"]
            return JSONResponse({"error": slack_setup_hint(missing)}, status_code=503)
        return await slack_handler.handle(request)

    return app
