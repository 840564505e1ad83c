"""``/crm``: parse the subcommand, acknowledge, delegate. Unknown input gets the help text."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.connectors.registry import display_name
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
from bot.services.manual import UsageError, add_contact, parse_add
from bot.services.settings import find_connection
from bot.storage.models import SyncState
from bot.views.help import help_message

if TYPE_CHECKING:
    from bot.app import Runtime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Command:
    """One ``/crm`` invocation, with the tenant taken from the verified payload only."""

    runtime: Runtime
    ack: AsyncAck
    respond: AsyncRespond
    client: AsyncWebClient
    workspace_id: str
    user_id: str
    channel_id: str | None
    trigger_id: str
    args: str
    response_url: str | None = None


Subcommand = Callable[[Command], Awaitable[None]]


async def _help(cmd: Command, problem: str | None = None) -> None:
    from bot.connectors.registry import CONNECTORS

    text, blocks = help_message([spec.display_name for spec in CONNECTORS.values()], problem)
    await cmd.ack(response_type="ephemeral", text=text, blocks=blocks)


_ADD_STATE_WORDS = {
    SyncState.PENDING: "It will sync to {crm} in a moment.",
    SyncState.WAITING: "{reason}",
    SyncState.SKIPPED: "It will not sync: {reason}",
    SyncState.NO_CONNECTION: "{reason}",
    SyncState.SYNCED: "It is already synced to {crm}.",
    SyncState.NEEDS_DECISION: "{reason}",
    SyncState.DISMISSED: "{reason}",
    SyncState.FAILED: "It did not sync earlier: {reason}",
}


async def _add(cmd: Command) -> None:
    await cmd.ack()
    try:
        request = parse_add(cmd.args)
        membership = await add_contact(cmd.runtime.db, cmd.workspace_id, cmd.user_id, request)
    except UsageError as exc:
        await cmd.respond(response_type="ephemeral", text=exc.reason)
        return
    conn = await find_connection(cmd.runtime.db, cmd.workspace_id, cmd.user_id)
    crm = display_name(conn.kind) if conn else "your CRM"
    state = SyncState(membership.sync_state)
    then = _ADD_STATE_WORDS[state].format(crm=crm, reason=membership.sync_reason or "")
    if membership.dedup_state == "pending":
        then = f"Checking {crm} for duplicates first. {then}"
    await cmd.respond(
        response_type="ephemeral",
        text=f"Added {request.email} to “{request.sequence}”. {then}".strip(),
    )
    await cmd.runtime.kick()


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


def register(app: AsyncApp, runtime: Runtime) -> None:
    @app.command("/crm")
    async def crm(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        name, _, args = (body.get("text") or "").strip().partition(" ")
        cmd = Command(
            runtime=runtime,
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
            problem = f"I don't know `/crm {name}`." if name and name.lower() != "help" else None
            await _help(cmd, problem)
            return
        await handler(cmd)
