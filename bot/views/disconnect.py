"""``/crm disconnect``: the confirmation and its outcome."""

from __future__ import annotations

from typing import Any

from bot.views.blocks import actions, button, context, section

ACTION_DISCONNECT = "disconnect_confirm"
ACTION_DISCONNECT_CANCEL = "disconnect_cancel"


def disconnect_prompt(crm: str, kind: str) -> tuple[str, list[dict[str, Any]]]:
    text = f"Disconnect {crm}? Your saved credentials are deleted and syncing stops."
    return text, [
        section(
            f":warning: *Disconnect {crm}?* Your saved credentials are deleted and syncing "
            "stops. Your settings and every contact's sync state are kept: reconnect any time "
            f"with `/crm connect {kind}` to carry on.",
            block_id="disconnect",
        ),
        actions(
            "disconnect-actions",
            button(f"Disconnect {crm}", ACTION_DISCONNECT, kind, style="danger"),
            button("Cancel", ACTION_DISCONNECT_CANCEL, kind),
        ),
    ]


def disconnected_message(crm: str, kind: str) -> tuple[str, list[dict[str, Any]]]:
    text = f"Disconnected {crm}. Credentials deleted; nothing syncs until you reconnect."
    return text, [
        section(f":white_check_mark: {text}", block_id="disconnected"),
        context(f"Reconnect with `/crm connect {kind}`."),
    ]


NOTHING_CONNECTED = "You have no CRM connected."
KEPT = "Kept your CRM connected; nothing changed."
