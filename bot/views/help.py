"""The ``/crm help`` text: what every unknown input gets too."""

from __future__ import annotations

from typing import Any

from bot.views.blocks import context, section

COMMANDS = [
    ("/crm connect [crm]", "connect your CRM ({crms})"),
    (
        "/crm settings",
        "when contacts sync, deduplication, activity tracking, default job, alert channel",
    ),
    ("/crm disconnect", "remove your CRM connection and its saved credentials"),
    ("/crm sequences", "your sequences with synced, pending, failed and flagged counts"),
    (
        "/crm sequence <name or id>",
        "one sequence's sync mode, sync-as, job, or turn its sync off",
    ),
    (
        "/crm resync <sequence> [email]",
        "sync contacts not synced yet (one, or all after a preview), with their activity",
    ),
    ("/crm status [email]", "connection health and failures, or one contact's sync timeline"),
    ("/crm add <sequence> <email> [first last]", "add one contact to a sequence by hand"),
    ("/crm import", "add the members of a CRM list (Crelate) to a sequence"),
    ("/crm mapping", "which contact fields or constants fill which CRM fields"),
    ("/crm clone", "owners and managers: copy your settings to teammates"),
    ("/crm role @teammate manager|member", "owners: make a teammate a manager or a member"),
    ("/crm help", "this message"),
]


def unknown_command(name: str) -> str:
    return f"I don't know `/crm {name}`."


def help_message(
    crm_names: list[str], problem: str | None = None
) -> tuple[str, list[dict[str, Any]]]:
    lines = "\n".join(
        f"• `{cmd}`: {what.format(crms=', '.join(crm_names))}" for cmd, what in COMMANDS
    )
    blocks = []
    if problem:
        blocks.append(section(f":grey_question: {problem}"))
    blocks += [
        section(f"*CRM Sync Bot* keeps your outreach sequences in sync with your CRM.\n{lines}"),
        context(
            "Contacts sync in the background; duplicate warnings arrive in your alert channel "
            "or as a DM."
        ),
    ]
    return "CRM Sync Bot commands: " + ", ".join(cmd for cmd, _ in COMMANDS), blocks
