"""``POST /outreach/events``: signed by the outreach tool, stored before it is acknowledged."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from bot.ops.metrics import EVENTS
from bot.services.events import OutreachEvent, describe
from bot.services.ingest import ingest
from bot.storage.db import StoreBusy

__all__ = ["MAX_BODY_BYTES", "MAX_EVENTS", "router", "split_events", "verify_signature"]

MAX_BODY_BYTES = 5 * 1024 * 1024
MAX_EVENTS = 1000
MAX_AGE_SECONDS = 300

router = APIRouter(tags=["outreach"])


class Rejection(BaseModel):
    index: int
    error: str


class IngestAnswer(BaseModel):
    accepted: int
    duplicates: int
    rejected: list[Rejection]


class ErrorAnswer(BaseModel):
    error: str


_REQUEST_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "oneOf": [
                    {"$ref": "#/components/schemas/OutreachEvent"},
                    {
                        "type": "object",
                        "required": ["events"],
                        "properties": {
                            "events": {
                                "type": "array",
                                "maxItems": MAX_EVENTS,
                                "items": {"$ref": "#/components/schemas/OutreachEvent"},
                            }
                        },
                    },
                ]
            }
        }
    },
}


def verify_signature(
    secret: str, timestamp: str | None, signature: str | None, body: bytes, now: float | None = None
) -> str | None:
    """None when the request is authentic, else why not."""
    if not timestamp or not signature:
        return "missing X-Outreach-Timestamp or X-Outreach-Signature"
    try:
        sent_at = int(timestamp)
    except ValueError:
        return "X-Outreach-Timestamp is not a unix timestamp"
    if abs((now or time.time()) - sent_at) > MAX_AGE_SECONDS:
        return "request timestamp is more than 5 minutes away from now"
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    # Bytes: compare_digest refuses str with non-ASCII characters, which a header can carry.
    given = signature.strip().encode("utf-8", "backslashreplace")
    if not hmac.compare_digest(f"v1={expected}".encode(), given):
        return "signature does not match"
    return None


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _read_capped(request: Request) -> bytes | None:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            return None
    return bytes(body)


class Refused(Exception):
    """The whole body is unusable: its status and the reason."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


def parse_body(body: bytes) -> Any:
    try:
        return json.loads(body)
    except RecursionError:
        raise Refused(400, "body is not valid JSON: nested too deeply") from None
    except ValueError as exc:  # not JSON, not UTF-8, or an integer of over 4,300 digits
        raise Refused(400, f"body is not valid JSON: {exc}") from None


def split_events(payload: Any) -> tuple[list[OutreachEvent], list[Rejection]]:
    """Valid events and per-index rejections; :class:`Refused` when the body is unusable."""
    if isinstance(payload, dict) and "events" in payload:
        items = payload["events"]
        if not isinstance(items, list):
            raise Refused(400, "'events' must be a list of events")
        if len(items) > MAX_EVENTS:
            raise Refused(
                413, f"a batch holds at most {MAX_EVENTS} events; this one has {len(items)}"
            )
    elif isinstance(payload, dict):
        items = [payload]
    else:
        raise Refused(400, 'the body must be one event object or {"events": [...]}')
    valid, rejected = [], []
    for index, item in enumerate(items):
        try:
            valid.append(OutreachEvent.model_validate(item))
        except ValidationError as exc:
            rejected.append(Rejection(index=index, error=describe(exc)))
    return valid, rejected


@router.post(
    "/outreach/events",
    status_code=202,
    response_model=IngestAnswer,
    responses={
        400: {"model": ErrorAnswer},
        401: {"model": ErrorAnswer},
        413: {"model": ErrorAnswer},
        503: {"model": ErrorAnswer},
    },
    openapi_extra={"requestBody": _REQUEST_BODY},
    summary="Receive outreach events (one, or a batch of up to 1,000)",
)
async def receive_events(request: Request) -> JSONResponse:
    runtime = request.app.state.runtime
    secret = runtime.settings.outreach_webhook_secret
    if secret is None:
        return _error(503, "outreach events are not configured: set OUTREACH_WEBHOOK_SECRET")
    body = await _read_capped(request)
    if body is None:
        return _error(413, f"body larger than {MAX_BODY_BYTES // (1024 * 1024)} MB")
    problem = verify_signature(
        secret.get_secret_value(),
        request.headers.get("x-outreach-timestamp"),
        request.headers.get("x-outreach-signature"),
        body,
    )
    if problem:
        return _error(401, problem)
    try:
        events, rejected = split_events(parse_body(body))
    except Refused as exc:
        return _error(exc.status, exc.reason)
    try:
        result = await ingest(runtime.db, events)
    except StoreBusy:
        return JSONResponse(
            {"error": "the database is busy; nothing was stored, send the same body again"},
            status_code=503,
            headers={"Retry-After": str(StoreBusy.retry_after_seconds)},
        )
    EVENTS.labels(result="accepted").inc(result.accepted)
    EVENTS.labels(result="duplicate").inc(result.duplicates)
    EVENTS.labels(result="rejected").inc(len(rejected))
    if result.accepted:
        await runtime.kick()
    answer = IngestAnswer(accepted=result.accepted, duplicates=result.duplicates, rejected=rejected)
    return JSONResponse(answer.model_dump(), status_code=202)
