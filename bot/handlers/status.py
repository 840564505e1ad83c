"""``/crm status [email]``: health and queue, or one contact's timeline."""

from __future__ import annotations

from bot.handlers.command import Command
from bot.services.status import contact_timeline, status_report
from bot.views.status import not_an_email, status_message, timeline_message

__all__ = ["show_status"]


def _email(text: str) -> str | None:
    word = text.strip().strip("<>")
    if word.startswith("mailto:"):
        word = word.removeprefix("mailto:").split("|", 1)[0]
    return word.lower() or None


async def show_status(cmd: Command) -> None:
    await cmd.ack()
    email = _email(cmd.args)
    if email is None:
        report = await status_report(cmd.deps, cmd.workspace_id, cmd.user_id)
        text, blocks = status_message(report)
    elif "@" not in email:
        await cmd.respond(response_type="ephemeral", text=not_an_email(email))
        return
    else:
        timeline = await contact_timeline(cmd.deps, cmd.workspace_id, cmd.user_id, email)
        text, blocks = timeline_message(timeline, email)
    await cmd.respond(response_type="ephemeral", text=text, blocks=blocks)
