"""``/crm clone`` (owners and managers) and ``/crm role`` (owners)."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import deps_of
from bot.handlers.command import Command
from bot.services.crms import crm_name
from bot.services.problems import NotConnected
from bot.services.settings import find_connection
from bot.services.team import SlackUserLookup, clone_settings, role_of, set_role
from bot.states import Role
from bot.views.team import (
    BLOCK_TEAMMATES,
    CALLBACK_CLONE,
    CHOOSE_TEAMMATES,
    CLONE_REFUSED,
    NOTHING_TO_COPY,
    NOTHING_TO_COPY_NOW,
    ROLE_REFUSED,
    ROLE_USAGE,
    always_owner,
    clone_modal,
    clone_result_modal,
    role_set,
    unknown_user,
)

__all__ = ["change_role", "open_clone", "register"]

log = logging.getLogger(__name__)

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
    role = await role_of(cmd.deps, cmd.workspace_id, cmd.user_id, user_lookup(cmd.client))
    if role not in (Role.OWNER, Role.MANAGER):
        await cmd.ack(response_type="ephemeral", text=CLONE_REFUSED)
        return
    conn = await find_connection(cmd.deps, cmd.workspace_id, cmd.user_id)
    if conn is None:
        await cmd.ack(response_type="ephemeral", text=NOTHING_TO_COPY)
        return
    await cmd.ack()
    await cmd.client.views_open(trigger_id=cmd.trigger_id, view=clone_modal(crm_name(conn.kind)))


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
    if await role_of(cmd.deps, cmd.workspace_id, cmd.user_id, lookup) != Role.OWNER:
        await cmd.ack(response_type="ephemeral", text=ROLE_REFUSED)
        return
    parsed = parse_role(cmd.args)
    if parsed is None:
        await cmd.ack(response_type="ephemeral", text=ROLE_USAGE)
        return
    user_id, role = parsed
    target = await lookup(user_id)
    if target is None:
        await cmd.ack(response_type="ephemeral", text=unknown_user(user_id))
        return
    if target.get("is_owner") or target.get("is_admin"):
        await cmd.ack(response_type="ephemeral", text=always_owner(user_id))
        return
    await set_role(cmd.deps, cmd.workspace_id, cmd.user_id, user_id, role)
    await cmd.ack(response_type="ephemeral", text=role_set(user_id, role))


async def submitted(
    ack: AsyncAck, view: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    deps, team, actor = deps_of(context), context.team_id, context.user_id
    if await role_of(deps, team, actor, user_lookup(client)) not in (Role.OWNER, Role.MANAGER):
        await ack(response_action="errors", errors={BLOCK_TEAMMATES: CLONE_REFUSED})
        return
    picked = (view["state"]["values"].get(BLOCK_TEAMMATES) or {}).get("value") or {}
    users = picked.get("selected_users") or []
    if not users:
        await ack(response_action="errors", errors={BLOCK_TEAMMATES: CHOOSE_TEAMMATES})
        return
    try:
        result = await clone_settings(deps, team, actor, users)
    except NotConnected:
        await ack(response_action="errors", errors={BLOCK_TEAMMATES: NOTHING_TO_COPY_NOW})
        return
    await ack(response_action="update", view=clone_result_modal(result))


def register(app: AsyncApp) -> None:
    app.view(CALLBACK_CLONE)(submitted)
