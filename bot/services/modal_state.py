"""A modal's own state across its steps, carried in Slack's ``private_metadata``: inline JSON
when it fits, else kept in the database with only its key in the view."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from typing import Any

from bot.services.context import ServiceContext
from bot.storage.models import utcnow
from bot.storage.repos import Repo

__all__ = ["PRIVATE_METADATA", "forget_state", "load_state", "pack_state"]

PRIVATE_METADATA = 3000  # Slack's limit on private_metadata
STORED_PREFIX = "db:"
STORED_STATE_LIFETIME = timedelta(days=1)


async def pack_state(ctx: ServiceContext, workspace_id: str, state: dict[str, Any]) -> str:
    """``state`` as ``private_metadata``: inline JSON when it fits, else a database key."""
    text = json.dumps(state, separators=(",", ":"))
    if len(text) <= PRIVATE_METADATA:
        return text
    key = secrets.token_urlsafe(24)
    async with ctx.db.session() as session:
        # Modals live for hours at most; older stored states are dropped as new ones arrive.
        await Repo(session, workspace_id).add_view_state(
            key, state, purge_before=utcnow() - STORED_STATE_LIFETIME
        )
    return STORED_PREFIX + key


async def load_state(ctx: ServiceContext, workspace_id: str, metadata: str) -> dict[str, Any]:
    """The state :func:`pack_state` packed; ``{}`` for empty or unknown metadata."""
    if not metadata:
        return {}
    if not metadata.startswith(STORED_PREFIX):
        try:
            value = json.loads(metadata)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}
    async with ctx.db.session() as session:
        stored = await Repo(session, workspace_id).view_state(metadata.removeprefix(STORED_PREFIX))
    return stored or {}


async def forget_state(ctx: ServiceContext, workspace_id: str, metadata: str) -> None:
    if metadata.startswith(STORED_PREFIX):
        async with ctx.db.session() as session:
            key = metadata.removeprefix(STORED_PREFIX)
            await Repo(session, workspace_id).forget_view_state(key)
