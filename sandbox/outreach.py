"""The outreach tool's side of the events API (PRODUCT.md section 6): how it signs what it
posts to ``/outreach/events`` and what one event looks like. The console plays the tool with
these; the suite signs its events with :func:`sign_outreach` too."""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from datetime import UTC, datetime
from typing import Any

__all__ = ["event", "sign_outreach"]


def sign_outreach(secret: str, body: bytes | str, timestamp: int | None = None) -> dict[str, str]:
    """Headers for `POST /outreach/events`: v1=hex HMAC-SHA256(secret, "<ts>.<raw body>")."""
    raw = body.encode() if isinstance(body, str) else body
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), ts.encode() + b"." + raw, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/json",
        "X-Outreach-Timestamp": ts,
        "X-Outreach-Signature": f"v1={digest}",
    }


def event(
    kind: str,
    *,
    team_id: str,
    user_id: str,
    sequence: dict[str, str],
    contact: dict[str, Any],
    sentiment: str | None = None,
    message: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One event as the tool sends it, stamped now to the microsecond (an event stamped
    before the CRM was connected is not pushed to it, so rounding down would lose one)."""
    return {
        "id": f"evt_{uuid.uuid4().hex}",
        "type": kind,
        "occurred_at": datetime.now(UTC).isoformat(),
        "team_id": team_id,
        "user_id": user_id,
        "sequence": sequence,
        "contact": contact,
        "message": message,
        "sentiment": sentiment,
    }
