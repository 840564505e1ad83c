"""The one warning a teammate gets when status advance cannot find its statuses."""

from __future__ import annotations

from typing import Any

from bot.views.blocks import context, escape, section


def statuses_missing_dm(crm: str, missing: list[str]) -> tuple[str, list[dict[str, Any]]]:
    names = ", ".join(f"“{name}”" for name in missing)
    text = (
        f"Status advance could not find these {crm} statuses: {names}. Contacts keep their "
        "current status for those steps until you create them."
    )
    how = (
        f"Status names must match exactly (capitals and spaces too). In {crm}, add them as "
        "workflow stages of your recruiting workflow. You get this message once."
    )
    return text, [
        section(f":warning: *{escape(text)}*", block_id="statuses-missing"),
        context(escape(how)),
    ]
