"""``/crm clone`` (owners and managers) and ``/crm role`` (owners)."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.connectors.registry import display_name
from bot.services.settings import NotConnected, load_connection
from bot.services.team import SlackUserLookup, clone_settings, role_of, set_role
from bot.storage.models import Role
from bot.views.team import BLOCK_TEAMMATES, CALLBACK_CLONE, clone_modal, clone_result_modal

if TYPE_CHECKING:
    from bot.app import Runtime
    from bot.handlers.commands import Command

log = logging.getLogger(__name__)

CLONE_REFUSED = (
    "Only owners and managers can copy settings to teammates. "
    "Ask a workspace owner to make you a manager with `/crm role @you manager`."
)
ROLE_REFUSED = "Only owners (Slack workspace owners and admins) can change roles."
ROLE_USAGE = "Usage: `/crm role @teammate manager` or `/crm role @teammate member`."
MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")


# users.info runs before the acknowledgement; a slow answer must not cost the 3 s window.
LOOKUP_TIMEOUT = 1.0


def user_lookup(client: AsyncWebClient) -> SlackUserLookup:
    """users.info; ``None`` when Slack refuses or is slow (stored roles still apply then)."""

    async def lookup(user_id: str) -> dict[str, Any] | None:
        try:
            answer = await asyncio.wait_for(client.users_info(user=user_id), LOOKUP_TIMEOUT)
        except (SlackApiError, TimeoutError):
            log.warning("users.info failed", extra={"user_id": user_id})
            return None
        return answer.get("user")

    return lookup


async def open_clone(cmd: Command) -> None:
    role = await role_of(cmd.runtime.db, cmd.workspace_id, cmd.user_id, user_lookup(cmd.client))
    if role not in (Role.OWNER, Role.MANAGER):
        await cmd.ack(response_type="ephemeral", text=CLONE_REFUSED)
        return
    try:
        conn = await load_connection(cmd.runtime.db, cmd.workspace_id, cmd.user_id)
    except NotConnected:
        text = "You have no CRM connected, so there are no settings to copy yet."
        await cmd.ack(response_type="ephemeral", text=text)
        return
    await cmd.ack()
    await cmd.client.views_open(
        trigger_id=cmd.trigger_id, view=clone_modal(display_name(conn.kind))
    )


def parse_role(args: str) -> tuple[str, Role] | None:
    parts = args.split()
    if len(parts) != 2:
        return None
    mention = MENTION.match(parts[0])
    role = parts[1].lower()
    if not mention or role not in (Role.MANAGER, Role.MEMBER):
        return None
    return mention.group(1), Role(role)


async def change_role(cmd: Command) -> None:
    lookup = user_lookup(cmd.client)
    if await role_of(cmd.runtime.db, cmd.workspace_id, cmd.user_id, lookup) != Role.OWNER:
        await cmd.ack(response_type="ephemeral", text=ROLE_REFUSED)
        return
    parsed = parse_role(cmd.args)
    if parsed is None:
        await cmd.ack(response_type="ephemeral", text=ROLE_USAGE)
        return
    user_id, role = parsed
    target = await lookup(user_id)
    if target is None:
        await cmd.ack(response_type="ephemeral", text=f"Slack does not know <@{user_id}>.")
        return
    if target.get("is_owner") or target.get("is_admin"):
        text = f"<@{user_id}> is a Slack workspace owner or admin, and so always an owner here."
        await cmd.ack(response_type="ephemeral", text=text)
        return
    await set_role(cmd.runtime.db, cmd.workspace_id, cmd.user_id, user_id, role)
    await cmd.ack(response_type="ephemeral", text=f"<@{user_id}> is now a {role}.")


def register(app: AsyncApp, runtime: Runtime) -> None:
    @app.view(CALLBACK_CLONE)
    async def submitted(
        ack: AsyncAck, view: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        team, actor = context.team_id, context.user_id
        if await role_of(runtime.db, team, actor, user_lookup(client)) not in (
            Role.OWNER,
            Role.MANAGER,
        ):
            await ack(response_action="errors", errors={BLOCK_TEAMMATES: CLONE_REFUSED})
            return
        picked = (view["state"]["values"].get(BLOCK_TEAMMATES) or {}).get("value") or {}
        users = picked.get("selected_users") or []
        if not users:
            await ack(response_action="errors", errors={BLOCK_TEAMMATES: "Choose teammates."})
            return
        try:
            result = await clone_settings(runtime.db, team, actor, users)
        except LookupError as exc:
            await ack(response_action="errors", errors={BLOCK_TEAMMATES: str(exc)})
            return
        await ack(response_action="update", view=clone_result_modal(result))
