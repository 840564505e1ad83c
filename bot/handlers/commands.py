"""``/crm``: parse the subcommand, acknowledge, delegate. Unknown input gets the help text."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import deps_of
from bot.handlers import (
    connect,
    disconnect,
    imports,
    mapping,
    resync,
    sequences,
    settings,
    status,
    team,
)
from bot.handlers.command import Command, Subcommand
from bot.services import manual
from bot.services.crms import crms
from bot.services.problems import Refused
from bot.views.help import help_message, unknown_command
from bot.views.manual import NO_EMAIL, NO_SEQUENCE, added_message
from bot.views.problems import problem_text

__all__ = ["register"]

_EMAIL_LIKE = re.compile(r"^[^@\s]+@[^@\s]+$")


async def _help(cmd: Command, problem: str | None = None) -> None:
    text, blocks = help_message([c.name for c in crms()], problem)
    await cmd.ack(response_type="ephemeral", text=text, blocks=blocks)


def parse_add(text: str) -> manual.AddRequest | str:
    """``<sequence> <email> [first last]``, or the usage problem in words."""
    words = text.split()
    at = next((i for i, w in enumerate(words) if _EMAIL_LIKE.match(w.strip("<>"))), None)
    if at is None:
        return NO_EMAIL
    sequence = " ".join(words[:at]).strip("\"'“”")
    if not sequence:
        return NO_SEQUENCE
    email = words[at].strip("<>")
    if email.startswith("mailto:"):
        email = email.removeprefix("mailto:").split("|", 1)[0]
    names = words[at + 1 :]
    return manual.AddRequest(
        sequence, email, names[0] if names else None, " ".join(names[1:]) or None
    )


async def _add(cmd: Command) -> None:
    await cmd.ack()
    request = parse_add(cmd.args)
    if isinstance(request, str):
        await cmd.respond(response_type="ephemeral", text=request)
        return
    try:
        added = await manual.add_contact(cmd.deps, cmd.workspace_id, cmd.user_id, request)
    except Refused as exc:
        await cmd.respond(response_type="ephemeral", text=problem_text(exc))
        return
    await cmd.respond(response_type="ephemeral", text=added_message(added))


SUBCOMMANDS: dict[str, Subcommand] = {
    "help": _help,
    "connect": connect.open_connect,
    "settings": settings.open_settings,
    "add": _add,
    "sequences": sequences.list_sequences,
    "sequence": sequences.open_sequence,
    "resync": resync.resync,
    "status": status.show_status,
    "disconnect": disconnect.confirm_disconnect,
    "import": imports.open_import,
    "mapping": mapping.open_mapping,
    "clone": team.open_clone,
    "role": team.change_role,
}


async def crm(
    ack: AsyncAck,
    body: dict[str, Any],
    respond: AsyncRespond,
    client: AsyncWebClient,
    context: AsyncBoltContext,
) -> None:
    name, _, args = (body.get("text") or "").strip().partition(" ")
    cmd = Command(
        deps=deps_of(context),
        ack=ack,
        respond=respond,
        client=client,
        workspace_id=body["team_id"],
        user_id=body["user_id"],
        channel_id=body.get("channel_id"),
        trigger_id=body.get("trigger_id", ""),
        args=args.strip(),
        response_url=body.get("response_url"),
    )
    handler = SUBCOMMANDS.get(name.lower())
    if handler is None:
        problem = unknown_command(name) if name and name.lower() != "help" else None
        await _help(cmd, problem)
        return
    await handler(cmd)


def register(app: AsyncApp) -> None:
    app.command("/crm")(crm)
