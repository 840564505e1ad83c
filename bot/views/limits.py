"""Slack's Block Kit limits, and helpers that keep views and messages inside them.

Long content is cut with an ellipsis, long option lists are paged (or served by an external
select), and long block lists end with a "Show more" button instead of being refused by Slack.
(State too large for ``private_metadata`` is :mod:`bot.services.modal_state`'s.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

__all__ = [
    "BLOCKS_PER_MESSAGE",
    "BLOCKS_PER_VIEW",
    "OPTIONS_PER_SELECT",
    "cap_blocks",
    "clip",
    "option_page",
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
