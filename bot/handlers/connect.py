"""``/crm connect [crm]``: the picker, the credential form, and its verified submission."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.connectors.base import Capability
from bot.connectors.registry import CONNECTORS
from bot.services.connections import ConnectRejected, connect
from bot.services.crm_oauth import STATE_LIFETIME, OAuthNotConfigured
from bot.services.settings import NotConnected, load_connection
from bot.storage.models import Connection, ConnectionStatus
from bot.views.alerts import ACTION_RECONNECT
from bot.views.connect import (
    ACTION_OAUTH_LOGIN,
    ACTION_PICK_CRM,
    CALLBACK_CONNECT,
    CALLBACK_PICK,
    FIELD_ACTION,
    connected_modal,
    credentials_modal,
    field_block_id,
    oauth_login_modal,
    oauth_unconfigured_modal,
    picker_modal,
)

if TYPE_CHECKING:
    from bot.app import Runtime
    from bot.handlers.commands import Command

log = logging.getLogger(__name__)


def _crm_choices() -> list[tuple[str, str]]:
    return [(kind, spec.display_name) for kind, spec in CONNECTORS.items()]


def _lookup_kind(text: str) -> str | None:
    wanted = text.strip().lower()
    for kind, spec in CONNECTORS.items():
        if wanted in (kind, spec.display_name.lower()):
            return kind
    return None


async def _credentials_view(
    runtime: Runtime, workspace_id: str, user_id: str, kind: str, channel_id: str | None
) -> dict[str, Any]:
    """The connect modal of ``kind``: its credential form, or a login button for CRMs that
    connect by OAuth (each opening mints a fresh single-use state)."""
    spec = CONNECTORS[kind]
    try:
        conn = await load_connection(runtime.db, workspace_id, user_id)
        current = conn if conn.kind == kind else None
    except NotConnected:
        current = None
    connected_as = current.identity if current else None
    if spec.auth == "oauth":
        return await _login_view(runtime, workspace_id, user_id, kind, current)
    return credentials_modal(
        kind, spec.display_name, list(spec.credential_fields), connected_as, channel_id
    )


async def _login_view(
    runtime: Runtime, workspace_id: str, user_id: str, kind: str, current: Connection | None
) -> dict[str, Any]:
    crm = CONNECTORS[kind].display_name
    try:
        start_url = await runtime.oauth.begin(workspace_id, user_id, kind)
    except OAuthNotConfigured as exc:
        return oauth_unconfigured_modal(crm, exc.missing, runtime.oauth.redirect_uri)
    return oauth_login_modal(
        crm,
        start_url,
        current.identity if current else None,
        needs_reauth=current is not None and current.status == ConnectionStatus.NEEDS_REAUTH,
        minutes=int(STATE_LIFETIME.total_seconds() // 60),
    )


async def open_connect(cmd: Command) -> None:
    if not cmd.args:
        await cmd.ack()
        await cmd.client.views_open(trigger_id=cmd.trigger_id, view=picker_modal(_crm_choices()))
        return
    kind = _lookup_kind(cmd.args)
    if kind is None:
        names = ", ".join(name for _, name in _crm_choices())
        await cmd.ack(
            response_type="ephemeral",
            text=f"I don't know the CRM “{cmd.args}”. Choose one of: {names} "
            "(`/crm connect` shows a picker).",
        )
        return
    await cmd.ack()
    view = await _credentials_view(cmd.runtime, cmd.workspace_id, cmd.user_id, kind, cmd.channel_id)
    await cmd.client.views_open(trigger_id=cmd.trigger_id, view=view)


def _submitted_credentials(
    kind: str, values: dict[str, Any]
) -> tuple[dict[str, str], dict[str, str]]:
    credentials, errors = {}, {}
    for spec in CONNECTORS[kind].credential_fields:
        block = field_block_id(spec.name)
        value = (values.get(block, {}).get(FIELD_ACTION, {}).get("value") or "").strip()
        if not value:
            errors[block] = f"Enter your {spec.label}."
        credentials[spec.name] = value
    return credentials, errors


def register(app: AsyncApp, runtime: Runtime) -> None:
    @app.action(ACTION_OAUTH_LOGIN)
    async def login_clicked(ack: AsyncAck) -> None:
        await ack()  # a link button: the browser opens the start URL, we only acknowledge

    @app.action(ACTION_PICK_CRM)
    async def picked(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await ack()
        kind = body["actions"][0]["selected_option"]["value"]
        if kind not in CONNECTORS:
            return
        view = await _credentials_view(runtime, context.team_id, context.user_id, kind, None)
        await client.views_update(
            view_id=body["view"]["id"], hash=body["view"].get("hash"), view=view
        )

    @app.action(ACTION_RECONNECT)
    async def reconnect(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await ack()
        kind = body["actions"][0].get("value", "")
        if kind not in CONNECTORS:
            return
        view = await _credentials_view(runtime, context.team_id, context.user_id, kind, None)
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view(CALLBACK_PICK)
    async def picked_and_submitted(
        ack: AsyncAck, view: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        selected = (
            view["state"]["values"].get("crm", {}).get(ACTION_PICK_CRM, {}).get("selected_option")
        )
        kind = (selected or {}).get("value")
        if kind not in CONNECTORS:
            await ack(response_action="errors", errors={"crm": "Choose your CRM."})
            return
        form = await _credentials_view(runtime, context.team_id, context.user_id, kind, None)
        await ack(response_action="update", view=form)

    @app.view(CALLBACK_CONNECT)
    async def submitted(ack: AsyncAck, view: dict[str, Any], context: AsyncBoltContext) -> None:
        kind = view.get("private_metadata", "").split("|", 1)[0]
        if kind not in CONNECTORS:
            await ack(
                response_action="errors", errors={"current": "Unknown CRM; run /crm connect again."}
            )
            return
        credentials, errors = _submitted_credentials(kind, view["state"]["values"])
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        first_field = field_block_id(CONNECTORS[kind].credential_fields[0].name)
        try:
            identity = await connect(
                runtime.db,
                runtime.box,
                runtime.connector,
                workspace_id=context.team_id,
                user_id=context.user_id,
                kind=kind,
                credentials=credentials,
            )
        except ConnectRejected as exc:
            await ack(response_action="errors", errors={first_field: exc.reason[:150]})
            return
        spec = CONNECTORS[kind]
        done = connected_modal(
            spec.display_name, identity, has_jobs=Capability.JOBS in spec.capabilities
        )
        await ack(response_action="update", view=done)
        await runtime.kick()
