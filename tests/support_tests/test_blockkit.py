"""Self-tests of tests.support.blockkit."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.support.blockkit import (
    assert_valid_home,
    assert_valid_message,
    assert_valid_view,
    message_errors,
    view_errors,
)


def section(text: str, block_id: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    if block_id:
        block["block_id"] = block_id
    return block


def button(text: str, action_id: str = "go") -> dict[str, Any]:
    return {"type": "button", "text": {"type": "plain_text", "text": text}, "action_id": action_id}


MODAL: dict[str, Any] = {
    "type": "modal",
    "callback_id": "settings",
    "title": {"type": "plain_text", "text": "CRM settings"},
    "submit": {"type": "plain_text", "text": "Save"},
    "close": {"type": "plain_text", "text": "Cancel"},
    "private_metadata": '{"team": "T0001"}',
    "blocks": [
        {"type": "header", "text": {"type": "plain_text", "text": "Sync"}},
        section("*Mode*", "intro"),
        {
            "type": "input",
            "block_id": "mode",
            "label": {"type": "plain_text", "text": "Sync mode"},
            "element": {
                "type": "static_select",
                "action_id": "mode",
                "options": [
                    {"text": {"type": "plain_text", "text": "Automatic"}, "value": "auto"},
                    {"text": {"type": "plain_text", "text": "Manual"}, "value": "manual"},
                ],
            },
        },
    ],
}


def modal(**changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(MODAL), **changes}


def test_valid_surfaces_pass() -> None:
    assert_valid_view(MODAL)
    assert_valid_home({"type": "home", "blocks": [section("hi"), {"type": "divider"}]})
    assert_valid_message(
        [section("Synced *Jane*"), {"type": "actions", "elements": [button("Retry")]}], "Synced"
    )


def test_long_title_fails_with_path() -> None:
    with pytest.raises(AssertionError, match=r"\$\.title\.text: 25 characters, limit 24"):
        assert_valid_view(modal(title={"type": "plain_text", "text": "x" * 25}))


def test_duplicate_block_id_fails() -> None:
    view = modal(blocks=[*MODAL["blocks"], section("again", "intro")])
    with pytest.raises(
        AssertionError, match=r"\$\.blocks\[3\]\.block_id: duplicate block_id 'intro'"
    ):
        assert_valid_view(view)


def test_limits_and_schema_errors_are_precise() -> None:
    too_many = [section(str(i)) for i in range(51)]
    assert message_errors(too_many)[0] == "$.blocks: 51 blocks, a message allows at most 50"
    assert view_errors(modal(blocks=[section(str(i)) for i in range(101)]))

    long_button = {"type": "actions", "elements": [button("b" * 76)]}
    assert any(
        e.startswith("$.blocks[0].elements[0].text.text: 76 characters, limit 75")
        for e in message_errors([long_button])
    )
    options = [
        {"text": {"type": "plain_text", "text": f"o{i}"}, "value": f"v{i}"} for i in range(101)
    ]
    select = modal()
    select["blocks"][2]["element"]["options"] = options
    assert "$.blocks[2].element.options: 101 options, limit 100 per select" in view_errors(select)

    # schema-only problems are resolved to the block type that was meant
    bad_header = {"type": "header", "text": {"type": "mrkdwn", "text": "x"}}
    errors = message_errors([bad_header])
    assert errors and all(e.startswith("$.blocks[0].text") for e in errors), errors
    no_submit = modal()
    del no_submit["submit"]
    assert "$: 'submit' is a required property" in view_errors(no_submit)
    assert view_errors({"type": "home", "blocks": [section("x")], "title": "no"})
    assert message_errors([], None) == ["$: a message needs blocks or a non-empty text"]
