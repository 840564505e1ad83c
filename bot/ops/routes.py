"""``/healthz`` (liveness: the process answers), ``/readyz`` (the database answers, and in
Socket Mode the Slack socket is connected) and ``/metrics`` (Prometheus)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from bot.ops import metrics as m
from bot.storage.alerts import oldest_unposted_alert
from bot.storage.memberships import contacts_by_crm_and_state
from bot.storage.models import utcnow

__all__ = ["router"]

log = logging.getLogger(__name__)

router = APIRouter(tags=["service"])

READY_TIMEOUT_SECONDS = 2.0


@router.get("/healthz")
async def healthz(request: Request) -> dict[str, Any]:
    runtime = request.app.state.runtime
    return {"ok": True, "slack_configured": runtime.bolt is not None}


@router.get("/readyz", responses={503: {"description": "a dependency is not ready"}})
async def readyz(request: Request) -> JSONResponse:
    runtime = request.app.state.runtime
    checks = {
        "database": await _database(runtime),
        "slack": await _slack_socket(runtime),
    }
    ready = all(state in ("ok", "not used") for state in checks.values())
    return JSONResponse({"ok": ready, **checks}, status_code=200 if ready else 503)


@router.get("/metrics")
async def prometheus_metrics(request: Request) -> Response:
    runtime = request.app.state.runtime
    async with runtime.db.session() as session:
        contacts = await contacts_by_crm_and_state(session)
        oldest = await oldest_unposted_alert(session)
    m.CONTACTS.clear()
    for (crm, state), count in contacts.items():
        m.CONTACTS.labels(crm=crm, state=state).set(count)
    m.OLDEST_UNPOSTED_ALERT.set((utcnow() - oldest).total_seconds() if oldest else 0.0)
    for status, count in (await runtime.runner.queue_depth()).items():
        m.QUEUE_DEPTH.labels(status=status).set(count)
    return Response(m.generate_latest(), media_type=m.CONTENT_TYPE_LATEST)


async def _database(runtime: Any) -> str:
    try:
        async with asyncio.timeout(READY_TIMEOUT_SECONDS):
            await runtime.db.ping()
    except Exception as exc:
        log.warning("readiness: database not answering", extra={"error": type(exc).__name__})
        return f"unavailable ({type(exc).__name__})"
    return "ok"


async def _slack_socket(runtime: Any) -> str:
    if not runtime.settings.slack_app_token:
        return "not used"
    handler = getattr(runtime, "socket_mode", None)
    if handler is None or not await handler.client.is_connected():
        return "not connected"
    return "ok"
