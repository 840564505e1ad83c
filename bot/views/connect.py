"""The connect modals: a CRM picker, then the credential form of the chosen CRM."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from bot.views.blocks import context, escape, modal, option, plain, section

CALLBACK_CONNECT = "connect_submit"
CALLBACK_PICK = "connect_pick"
ACTION_PICK_CRM = "connect_pick_crm"
FIELD_ACTION = "value"


class CredentialField(Protocol):
    name: str
    label: str
    hint: str


def field_block_id(name: str) -> str:
    return f"cred_{name}"


def picker_modal(crms: list[tuple[str, str]]) -> dict[str, Any]:
    select = {
        "type": "static_select",
        "action_id": ACTION_PICK_CRM,
        "placeholder": plain("Choose your CRM"),
        "options": [option(name, kind) for kind, name in crms],
    }
    blocks = [
        {
            "type": "input",
            "block_id": "crm",
            "dispatch_action": True,
            "label": plain("CRM"),
            "element": select,
        },
        context("Each teammate connects their own CRM account."),
    ]
    return modal(CALLBACK_PICK, "Connect a CRM", blocks, submit="Next")


def credentials_modal(
    kind: str,
    crm: str,
    fields: Sequence[CredentialField],
    connected_as: str | None,
    channel_id: str | None = None,
) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = []
    if connected_as:
        saved = (
            f"Your {fields[0].label} is •••• saved; entering a new one replaces it."
            if len(fields) == 1
            else "Your credentials are •••• saved; entering them again replaces them."
        )
        blocks.append(
            section(f"Connected to {crm} as *{escape(connected_as)}*. {saved}", block_id="current")
        )
    for spec in fields:
        block: dict[str, Any] = {
            "type": "input",
            "block_id": field_block_id(spec.name),
            "label": plain(spec.label),
            "element": {
                "type": "plain_text_input",
                "action_id": FIELD_ACTION,
                "placeholder": plain(spec.label),
            },
        }
        if spec.hint:
            block["hint"] = plain(spec.hint, 2000)
        blocks.append(block)
    blocks.append(context(f"We check the credentials with {crm} before saving them, encrypted."))
    return modal(
        CALLBACK_CONNECT,
        f"Connect {crm}",
        blocks,
        submit="Connect",
        private_metadata=f"{kind}|{channel_id or ''}",
    )


def connected_modal(crm: str, identity: str) -> dict[str, Any]:
    blocks = [
        section(
            f":white_check_mark: Connected to *{crm}* as *{escape(identity)}*.", block_id="done"
        ),
        context(
            "Next: `/crm settings` to choose when contacts sync, the default job "
            "and the alert channel."
        ),
    ]
    return modal("connect_done", f"{crm} connected", blocks, close="Done")
