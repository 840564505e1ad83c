"""``/crm status [email]``: health and queue, or one contact's timeline."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.services.status import contact_timeline, status_report
from bot.views.status import status_message, timeline_message

if TYPE_CHECKING:
    from bot.handlers.commands import Command


def _email(text: str) -> str | None:
    word = text.strip().strip("<>")
    if word.startswith("mailto:"):
        word = word.removeprefix("mailto:").split("|", 1)[0]
    return word.lower() or None


async def show_status(cmd: Command) -> None:
    await cmd.ack()
    email = _email(cmd.args)
    db = cmd.runtime.db
    if email is None:
        text, blocks = status_message(await status_report(db, cmd.workspace_id, cmd.user_id))
    elif "@" not in email:
        text = f"`{email}` is not an email address. Usage: `/crm status [email]`."
        blocks = None
    else:
        report = await status_report(db, cmd.workspace_id, cmd.user_id)
        crm = report.health.crm if report.health else None
        timeline = await contact_timeline(db, cmd.workspace_id, cmd.user_id, email)
        text, blocks = timeline_message(timeline, email, crm)
    if blocks is None:
        await cmd.respond(response_type="ephemeral", text=text)
    else:
        await cmd.respond(response_type="ephemeral", text=text, blocks=blocks)
