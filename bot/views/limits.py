"""Slack's Block Kit limits, and helpers that keep views and messages inside them.

Long content is cut with an ellipsis, long option lists are paged (or served by an external
select), long block lists end with a "Show more" button instead of being refused by Slack, and
state too large for ``private_metadata`` goes to the database with only its key in the view.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import delete

from bot.storage.db import Database
from bot.storage.models import ViewState, utcnow

__all__ = [
    "BLOCKS_PER_MESSAGE",
    "BLOCKS_PER_VIEW",
    "OPTIONS_PER_SELECT",
    "cap_blocks",
    "clip",
    "load_metadata",
    "option_page",
    "pack_metadata",
    "page_of",
    "paged_blocks",
]

BLOCKS_PER_VIEW = 100  # modals and App Home
BLOCKS_PER_MESSAGE = 50
OPTIONS_PER_SELECT = 100
SECTION_TEXT = 3000
SECTION_FIELD = 2000
CONTEXT_TEXT = 3000
HEADER_TEXT = 150
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
OPTION_TEXT = 75
OPTION_VALUE = 150
INPUT_LABEL = 2000
PLACEHOLDER = 150
SURFACE_TITLE = 24  # modal title, submit and close
PRIVATE_METADATA = 3000
ID = 255  # block_id, action_id, callback_id

Block = dict[str, Any]


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, the last one an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def option_page(
    options: Sequence[Block], page: int = 0, size: int = OPTIONS_PER_SELECT
) -> tuple[list[Block], bool]:
    """One page of options for a static select, and whether more pages follow."""
    start = max(0, page) * size
    return list(options[start : start + size]), start + size < len(options)


def cap_blocks(
    blocks: list[Block],
    limit: int,
    more: Callable[[int], Block] | None = None,
) -> list[Block]:
    """``blocks`` cut to ``limit``. When cut, the last kept slot becomes ``more(hidden)``
    (e.g. a "Show more" button saying how many are hidden)."""
    if len(blocks) <= limit:
        return blocks
    if more is None:
        return blocks[:limit]
    kept = blocks[: limit - 1]
    return [*kept, more(len(blocks) - len(kept))]


def page_of(items: Sequence[Any], page: int, size: int) -> tuple[list[Any], int, int]:
    """Items of ``page`` (clamped into range), the page used and the number of pages."""
    pages = max(1, -(-len(items) // size))
    page = min(max(0, page), pages - 1)
    return list(items[page * size : (page + 1) * size]), page, pages


def paged_blocks(
    items: Sequence[list[Block]],
    page: int,
    *,
    limit: int,
    nav_action: str,
    noun: str = "items",
) -> list[Block]:
    """One page of ``items`` (each a few blocks, e.g. a sequence with its buttons) within
    ``limit`` blocks, followed by "Page x of y" and Previous/Next buttons whose ``value`` is the
    page to show; the handler of ``nav_action`` rebuilds the surface with that page."""
    if not items:
        return []
    widest = max(len(item) for item in items)
    per_page = max(1, (limit - 2) // max(1, widest))
    shown, page, pages = page_of(items, page, per_page)
    blocks = [block for item in shown for block in item]
    if pages == 1:
        return blocks
    first = page * per_page + 1
    buttons = []
    if page > 0:
        buttons.append(_nav_button("Previous", f"{nav_action}_prev", page - 1))
    if page < pages - 1:
        buttons.append(_nav_button("Next", f"{nav_action}_next", page + 1))
    blocks.append(
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": f"{noun.capitalize()} {first} to {first + len(shown) - 1} of "
                    f"{len(items)} (page {page + 1} of {pages})",
                }
            ],
        }
    )
    blocks.append({"type": "actions", "block_id": f"{nav_action}_pages", "elements": buttons})
    return blocks


def _nav_button(text: str, action_id: str, page: int) -> Block:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": str(page),
    }


# --- private_metadata -------------------------------------------------------------------------

STORED_PREFIX = "db:"
STORED_STATE_LIFETIME = timedelta(days=1)


async def pack_metadata(db: Database, workspace_id: str, state: dict[str, Any]) -> str:
    """``state`` as ``private_metadata``: inline JSON when it fits, else a database key."""
    text = json.dumps(state, separators=(",", ":"))
    if len(text) <= PRIVATE_METADATA:
        return text
    key = secrets.token_urlsafe(24)
    async with db.session() as session:
        # Modals live for hours at most; older stored states are dropped as new ones arrive.
        await session.execute(
            delete(ViewState).where(ViewState.created_at < utcnow() - STORED_STATE_LIFETIME)
        )
        session.add(ViewState(key=key, workspace_id=workspace_id, data=state, created_at=utcnow()))
    return STORED_PREFIX + key


async def load_metadata(db: Database, workspace_id: str, metadata: str) -> dict[str, Any]:
    """The state :func:`pack_metadata` stored; ``{}`` for empty or unknown metadata."""
    if not metadata:
        return {}
    if not metadata.startswith(STORED_PREFIX):
        try:
            value = json.loads(metadata)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}
    async with db.session() as session:
        row = await session.get(ViewState, metadata.removeprefix(STORED_PREFIX))
        if row is None or row.workspace_id != workspace_id:
            return {}
        return dict(row.data)


async def forget_metadata(db: Database, metadata: str) -> None:
    if metadata.startswith(STORED_PREFIX):
        async with db.session() as session:
            await session.execute(
                delete(ViewState).where(ViewState.key == metadata.removeprefix(STORED_PREFIX))
            )
