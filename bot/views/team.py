"""``/crm clone`` modal and its result, and the ``/crm role`` answers."""

from __future__ import annotations

from typing import Any

from bot.services.team import CloneResult, CloneSkip
from bot.views.blocks import context, modal, plain, section
from bot.views.limits import BLOCKS_PER_VIEW, cap_blocks

CALLBACK_CLONE = "clone_submit"
BLOCK_TEAMMATES = "clone_teammates"
# Slack's multi_users_select takes at most this many initial users; more is unusual anyway.
MAX_PICKED = 100

NOTHING_TO_COPY = "You have no CRM connected, so there are no settings to copy yet."
NOTHING_TO_COPY_NOW = "You have no CRM connected, so there are no settings to copy."
CHOOSE_TEAMMATES = "Choose teammates."


def role_set(user_id: str, role: str) -> str:
    return f"<@{user_id}> is now a {role}."


def skip_text(why: CloneSkip, their_crm: str | None, crm: str) -> str:
    if why is CloneSkip.YOURSELF:
        return "that is you"
    if why is CloneSkip.NOT_CONNECTED:
        return "has no CRM connected"
    return f"is connected to {their_crm}, not {crm}"


def clone_modal(crm: str) -> dict[str, Any]:
    return modal(
        CALLBACK_CLONE,
        "Copy settings",
        [
            section(
                f"Copy all your {crm} settings (sync mode, sync as, deduplication, activity "
                "tracking, default job, alert channel, field mapping) to teammates."
            ),
            {
                "type": "input",
                "block_id": BLOCK_TEAMMATES,
                "label": plain("Teammates"),
                "element": {
                    "type": "multi_users_select",
                    "action_id": "value",
                    "placeholder": plain("Choose teammates"),
                },
            },
            context(
                f"Only teammates connected to {crm} receive them; their sequence settings "
                "stay as they are."
            ),
        ],
        submit="Copy settings",
    )


def clone_result_modal(result: CloneResult) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = []
    if result.copied:
        who = ", ".join(f"<@{u}>" for u in result.copied)
        blocks.append(section(f":white_check_mark: Copied your {result.crm} settings to {who}."))
    else:
        blocks.append(section("Nobody received your settings."))
    if result.skipped:
        blocks.append(section("*Skipped:*"))
        blocks += [
            section(f"• <@{user}>: {skip_text(why, theirs, result.crm)}")
            for user, why, theirs in result.skipped
        ]
    blocks = cap_blocks(
        blocks,
        BLOCKS_PER_VIEW,
        lambda hidden: context(f"…and {hidden} more skipped (not connected to {result.crm})."),
    )
    return modal(CALLBACK_CLONE + "_done", "Copy settings", blocks, close="Done")
