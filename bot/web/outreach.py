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
from bot.services.events import OutreachEvent
from bot.services.ingest import ingest

__all__ = ["MAX_BODY_BYTES", "MAX_EVENTS", "router", "verify_signature"]

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
    if not hmac.compare_digest(f"v1={expected}", signature.strip()):
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


def describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "event"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)


def split_events(payload: Any) -> tuple[list[OutreachEvent], list[Rejection]] | str:
    """Valid events and per-index rejections, or a reason the whole body is unusable."""
    if isinstance(payload, dict) and "events" in payload:
        items = payload["events"]
        if not isinstance(items, list):
            return "'events' must be a list of events"
        if len(items) > MAX_EVENTS:
            return f"a batch holds at most {MAX_EVENTS} events; this one has {len(items)}"
    elif isinstance(payload, dict):
        items = [payload]
    else:
        return 'the body must be one event object or {"events": [...]}'
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
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return _error(400, f"body is not valid JSON: {exc}")
    split = split_events(payload)
    if isinstance(split, str):
        status = 413 if split.startswith("a batch holds") else 400
        return _error(status, split)
    events, rejected = split
    result = await ingest(runtime.db, events)
    EVENTS.labels(result="accepted").inc(result.accepted)
    EVENTS.labels(result="duplicate").inc(result.duplicates)
    EVENTS.labels(result="rejected").inc(len(rejected))
    if result.accepted:
        await runtime.kick()
    answer = IngestAnswer(accepted=result.accepted, duplicates=result.duplicates, rejected=rejected)
    return JSONResponse(answer.model_dump(), status_code=202)
