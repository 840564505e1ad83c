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
from bot.services.problems import NotConnected, Refused
from bot.services.team import SlackUserLookup, clone_settings, clone_target, set_role
from bot.states import Role
from bot.views.problems import problem_text
from bot.views.team import (
    BLOCK_TEAMMATES,
    CALLBACK_CLONE,
    CHOOSE_TEAMMATES,
    NOTHING_TO_COPY,
    NOTHING_TO_COPY_NOW,
    clone_modal,
    clone_result_modal,
    role_set,
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
    lookup = user_lookup(cmd.client)
    try:
        crm = await clone_target(cmd.deps, cmd.workspace_id, cmd.user_id, lookup)
    except Refused as exc:
        text = NOTHING_TO_COPY if isinstance(exc, NotConnected) else problem_text(exc)
        await cmd.ack(response_type="ephemeral", text=text)
        return
    await cmd.ack()
    await cmd.client.views_open(trigger_id=cmd.trigger_id, view=clone_modal(crm))


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
    change = parse_role(cmd.args)
    try:
        await set_role(cmd.deps, cmd.workspace_id, cmd.user_id, change, user_lookup(cmd.client))
    except Refused as exc:
        await cmd.ack(response_type="ephemeral", text=problem_text(exc))
        return
    assert change is not None
    await cmd.ack(response_type="ephemeral", text=role_set(*change))


async def submitted(
    ack: AsyncAck, view: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    picked = (view["state"]["values"].get(BLOCK_TEAMMATES) or {}).get("value") or {}
    users = picked.get("selected_users") or []
    if not users:
        await ack(response_action="errors", errors={BLOCK_TEAMMATES: CHOOSE_TEAMMATES})
        return
    deps, team, actor = deps_of(context), context.team_id, context.user_id
    try:
        result = await clone_settings(deps, team, actor, users, user_lookup(client))
    except Refused as exc:
        text = NOTHING_TO_COPY_NOW if isinstance(exc, NotConnected) else problem_text(exc)
        await ack(response_action="errors", errors={BLOCK_TEAMMATES: text})
        return
    await ack(response_action="update", view=clone_result_modal(result))


def register(app: AsyncApp) -> None:
    app.view(CALLBACK_CLONE)(submitted)
