"""``/crm connect [crm]``: the picker, the credential form, and its verified submission."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import deps_of
from bot.handlers.command import Command
from bot.services.connections import ConnectRejected, connect, connect_form
from bot.services.crms import crm, crms, find_crm
from bot.views.alerts import ACTION_RECONNECT
from bot.views.connect import (
    ACTION_OAUTH_LOGIN,
    ACTION_PICK_CRM,
    CALLBACK_CONNECT,
    CALLBACK_PICK,
    CHOOSE_CRM,
    UNKNOWN_CRM_AGAIN,
    connect_modal,
    connected_modal,
    field_block_id,
    picker_modal,
    submitted_credentials,
    submitted_kind,
    unknown_crm,
)
from bot.views.problems import problem_text

__all__ = ["open_connect", "register"]


async def open_connect(cmd: Command) -> None:
    if not cmd.args:
        await cmd.ack()
        await cmd.client.views_open(trigger_id=cmd.trigger_id, view=picker_modal(crms()))
        return
    chosen = find_crm(cmd.args)
    if chosen is None:
        await cmd.ack(response_type="ephemeral", text=unknown_crm(cmd.args, crms()))
        return
    await cmd.ack()
    form = await connect_form(cmd.deps, cmd.workspace_id, cmd.user_id, chosen.kind)
    await cmd.client.views_open(trigger_id=cmd.trigger_id, view=connect_modal(form, cmd.channel_id))


async def login_clicked(ack: AsyncAck) -> None:
    await ack()  # a link button: the browser opens the start URL, we only acknowledge


async def picked(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    await ack()
    kind = body["actions"][0]["selected_option"]["value"]
    if crm(kind) is None:
        return
    form = await connect_form(deps_of(context), context.team_id, context.user_id, kind)
    await client.views_update(
        view_id=body["view"]["id"], hash=body["view"].get("hash"), view=connect_modal(form)
    )


async def reconnect(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    await ack()
    kind = body["actions"][0].get("value", "")
    if crm(kind) is None:
        return
    form = await connect_form(deps_of(context), context.team_id, context.user_id, kind)
    await client.views_open(trigger_id=body["trigger_id"], view=connect_modal(form))


async def picked_and_submitted(
    ack: AsyncAck, view: dict[str, Any], context: AsyncBoltContext
) -> None:
    selected = (
        view["state"]["values"].get("crm", {}).get(ACTION_PICK_CRM, {}).get("selected_option")
    )
    kind = (selected or {}).get("value")
    if not kind or crm(kind) is None:
        await ack(response_action="errors", errors=CHOOSE_CRM)
        return
    form = await connect_form(deps_of(context), context.team_id, context.user_id, kind)
    await ack(response_action="update", view=connect_modal(form))


async def submitted(ack: AsyncAck, view: dict[str, Any], context: AsyncBoltContext) -> None:
    chosen = crm(submitted_kind(view))
    if chosen is None:
        await ack(response_action="errors", errors=UNKNOWN_CRM_AGAIN)
        return
    credentials, errors = submitted_credentials(chosen.fields, view["state"]["values"])
    if errors:
        await ack(response_action="errors", errors=errors)
        return
    deps = deps_of(context)
    try:
        done = await connect(deps, context.team_id, context.user_id, chosen.kind, credentials)
    except ConnectRejected as exc:
        first_field = field_block_id(chosen.fields[0].name)
        await ack(response_action="errors", errors={first_field: problem_text(exc)[:150]})
        return
    await ack(
        response_action="update",
        view=connected_modal(done.crm, done.identity, has_jobs=done.has_jobs),
    )


def register(app: AsyncApp) -> None:
    app.action(ACTION_OAUTH_LOGIN)(login_clicked)
    app.action(ACTION_PICK_CRM)(picked)
    app.action(ACTION_RECONNECT)(reconnect)
    app.view(CALLBACK_PICK)(picked_and_submitted)
    app.view(CALLBACK_CONNECT)(submitted)
