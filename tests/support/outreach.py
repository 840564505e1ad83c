"""Outreach events API helpers (PRODUCT.md section 6): signatures and event bodies.

Usage:

    event = make_event(type="email.replied", sentiment="interested")
    body, headers = outreach_request(SECRET, event)      # or {"events": [...]}
    await http.post("/outreach/events", content=body, headers=headers)
"""

from __future__ import annotations

import copy
import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from sandbox.outreach import sign_outreach

__all__ = ["OMIT", "make_event", "make_events", "now_iso", "outreach_request", "sign_outreach"]

STALE_SECONDS = 6 * 60
NESTED = ("sequence", "contact", "message")


class _Omit:
    def __repr__(self) -> str:
        return "OMIT"


OMIT: Any = _Omit()
"""Pass as an override value to drop that key, e.g. `make_event(occurred_at=OMIT)`."""


def outreach_request(
    secret: str,
    payload: dict[str, Any] | list[dict[str, Any]],
    *,
    timestamp: int | None = None,
    stale: bool = False,
    bad_signature: bool = False,
) -> tuple[bytes, dict[str, str]]:
    """(body, headers) for one event, a list of events (sent as {"events": [...]}) or a body."""
    if isinstance(payload, list):
        payload = {"events": payload}
    body = json.dumps(payload).encode()
    ts = int(time.time()) if timestamp is None else timestamp
    if stale:
        ts -= STALE_SECONDS
    return body, sign_outreach(secret + "-wrong" if bad_signature else secret, body, ts)


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_event(**overrides: Any) -> dict[str, Any]:
    """A valid outreach event; overrides replace top-level keys.

    `sequence`, `contact` and `message` overrides are merged into the defaults
    (`make_event(contact={"email": "bob@acme.com"})`); OMIT removes a key at either level.
    """
    event: dict[str, Any] = {
        "id": f"evt_{uuid.uuid4().hex}",
        "type": "contact.added",
        "occurred_at": now_iso(),
        "team_id": "T0001",
        "user_id": "U0001",
        "sequence": {"id": "seq-42", "name": "Senior Backend Q4"},
        "contact": {
            "email": "jane@acme.com",
            "first_name": "Jane",
            "last_name": "Doe",
            "title": "Staff Engineer",
            "company": "Acme",
            "phone": None,
            "linkedin_url": None,
            "location": "Berlin",
            "custom": {"source": "github"},
        },
        "message": {"subject": "Quick question", "snippet": "Hi Jane, ..."},
        "sentiment": None,
    }
    for key, value in overrides.items():
        if key in NESTED and isinstance(value, dict) and isinstance(event.get(key), dict):
            event[key] = _apply(event[key], value)
        else:
            event[key] = value
    return _apply(event, {})


def make_events(n: int, **overrides: Any) -> list[dict[str, Any]]:
    """`n` events for distinct contacts contact<i>@acme.com (same overrides for each)."""
    events = []
    for i in range(n):
        extra = overrides.get("contact", {})
        unique = {"email": f"contact{i}@acme.com", "first_name": f"Contact{i}"}
        contact = {**unique, **extra} if isinstance(extra, dict) else extra
        events.append(make_event(**{**copy.deepcopy(overrides), "contact": contact}))
    return events


def _apply(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    merged = {**base, **changes}
    return {k: v for k, v in merged.items() if v is not OMIT}
