"""``/crm sequences`` and ``/crm sequence <name or id>``: the list, paging, and the modal
(its job search is :mod:`bot.handlers.jobs`)."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps, deps_of
from bot.handlers.command import Command
from bot.services import sequences as service
from bot.services.crm_jobs import warm_jobs
from bot.services.problems import NotConnected, Problem, Refused
from bot.views.problems import NOT_CONNECTED, problem_text
from bot.views.sequences import (
    ACTION_EDIT_SEQUENCE,
    ACTION_SEQUENCES_PAGE,
    CALLBACK_SEQUENCE,
    USAGE,
    saved_message,
    sequence_modal,
    sequence_overrides,
    sequences_message,
    submitted_sequence,
)

__all__ = ["list_sequences", "open_sequence", "register"]


async def list_sequences(cmd: Command) -> None:
    await cmd.ack()
    listed = await service.list_sequences(cmd.deps, cmd.workspace_id, cmd.user_id)
    text, blocks = sequences_message(listed)
    await cmd.respond(response_type="ephemeral", text=text, blocks=blocks)


async def open_sequence(cmd: Command) -> None:
    try:
        form = await service.open_sequence(cmd.deps, cmd.workspace_id, cmd.user_id, cmd.args)
    except Refused as exc:
        unnamed = not cmd.args and exc.problem is Problem.SEQUENCE_UNNAMED
        await cmd.ack(response_type="ephemeral", text=USAGE if unnamed else problem_text(exc))
        return
    await cmd.ack()
    await _show(
        cmd.deps, cmd.client, cmd.trigger_id, form, cmd.workspace_id, cmd.user_id, cmd.channel_id
    )


async def _show(
    deps: Deps,
    client: AsyncWebClient,
    trigger_id: str,
    form: service.SequenceForm,
    workspace_id: str,
    user_id: str,
    channel_id: str | None = None,
) -> None:
    await client.views_open(trigger_id=trigger_id, view=sequence_modal(form, channel_id))
    if form.supports_jobs:
        deps.spawn(warm_jobs(deps, workspace_id, user_id))


async def edit(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    await ack()
    value = body["actions"][0].get("value", "")
    if not value.isdigit():
        return
    deps = deps_of(context)
    form = await service.edit_sequence(deps, context.team_id, context.user_id, int(value))
    if form is None:
        return
    channel = (body.get("channel") or {}).get("id")
    await _show(deps, client, body["trigger_id"], form, context.team_id, context.user_id, channel)


async def page(
    ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
) -> None:
    await ack()
    value = body["actions"][0].get("value", "0")
    listed = await service.list_sequences(deps_of(context), context.team_id, context.user_id)
    text, blocks = sequences_message(listed, int(value) if value.isdigit() else 0)
    await respond(replace_original=True, text=text, blocks=blocks)


async def submitted(
    ack: AsyncAck, view: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    sequence_id, channel = submitted_sequence(view)
    overrides = sequence_overrides(view["state"]["values"])
    try:
        if sequence_id is None:
            raise NotConnected
        saved = await service.save_overrides(
            deps_of(context), context.team_id, context.user_id, sequence_id, overrides
        )
    except Refused as exc:
        text = NOT_CONNECTED if isinstance(exc, NotConnected) else problem_text(exc)
        await ack(response_action="errors", errors={"sync_mode": text})
        return
    await ack()
    if channel:
        await client.chat_postEphemeral(
            channel=channel, user=context.user_id, text=saved_message(saved)
        )


def register(app: AsyncApp) -> None:
    app.action(ACTION_EDIT_SEQUENCE)(edit)
    app.action(re.compile(f"^{ACTION_SEQUENCES_PAGE}_(prev|next)$"))(page)
    app.view(CALLBACK_SEQUENCE)(submitted)
