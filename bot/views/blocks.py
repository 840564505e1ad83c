"""Tiny Block Kit constructors shared by the views. Pure: data in, JSON out."""

from __future__ import annotations

from typing import Any

from bot.views.limits import (
    BUTTON_TEXT,
    HEADER_TEXT,
    SECTION_TEXT,
    SURFACE_TITLE,
)
from bot.views.limits import clip as truncate

Block = dict[str, Any]

MAX_SECTION_TEXT = SECTION_TEXT
MAX_PLAIN = BUTTON_TEXT  # the tightest common plain_text limit (buttons and option text: 75)


def plain(text: str, limit: int = MAX_PLAIN) -> dict[str, Any]:
    return {"type": "plain_text", "text": truncate(text, limit), "emoji": True}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": truncate(text, MAX_SECTION_TEXT)}


def section(
    text: str, block_id: str | None = None, accessory: dict[str, Any] | None = None
) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if block_id:
        block["block_id"] = block_id
    if accessory:
        block["accessory"] = accessory
    return block


def context(text: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(text)]}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, HEADER_TEXT)}


def button(
    text: str,
    action_id: str,
    value: str | None = None,
    style: str | None = None,
    url: str | None = None,
) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "button", "text": plain(text), "action_id": action_id}
    if value is not None:
        element["value"] = value
    if style:
        element["style"] = style
    if url:
        element["url"] = url
    return element


def actions(block_id: str, *elements: dict[str, Any]) -> Block:
    return {"type": "actions", "block_id": block_id, "elements": list(elements)}


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text), "value": value}


def escape(text: str) -> str:
    """Escape user text for mrkdwn so names cannot inject mentions or links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def modal(
    callback_id: str,
    title: str,
    blocks: list[Block],
    *,
    submit: str | None = None,
    close: str = "Cancel",
    private_metadata: str = "",
) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, SURFACE_TITLE),
        "close": plain(close, SURFACE_TITLE),
        "blocks": blocks,
        "private_metadata": private_metadata,
    }
    if submit:
        view["submit"] = plain(submit, SURFACE_TITLE)
    return view


def input_block(
    block_id: str,
    label: str,
    element: dict[str, Any],
    *,
    optional: bool = False,
    hint: str | None = None,
) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "input", "block_id": block_id}
    if optional:
        block["optional"] = True
    block["label"] = plain(label)
    if hint:
        block["hint"] = plain(hint, 2000)
    block["element"] = element
    return block


def job_select(action_id: str, job_id: str | None, job_name: str | None) -> dict[str, Any]:
    """An external select of the CRM's open jobs, showing the chosen one."""
    element: dict[str, Any] = {
        "type": "external_select",
        "action_id": action_id,
        "placeholder": plain("Search open jobs"),
        "min_query_length": 0,
    }
    if job_id:
        element["initial_option"] = option(job_name or job_id, job_id)
    return element


# --- reading a submitted view's ``state.values`` ------------------------------------------------


def selected(values: dict[str, Any], block_id: str, action_id: str = "value") -> dict[str, Any]:
    """The chosen option of a select ({} when none)."""
    return (values.get(block_id, {}).get(action_id, {}) or {}).get("selected_option") or {}


def checked(values: dict[str, Any], block_id: str, action_id: str = "value") -> set[str]:
    """The values of the ticked checkboxes."""
    element = values.get(block_id, {}).get(action_id, {}) or {}
    return {o["value"] for o in element.get("selected_options") or []}
