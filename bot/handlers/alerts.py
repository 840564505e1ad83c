"""Buttons on the "Exists in <CRM>" alert: keep syncing (link) or skip the contact."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

from bot.notify.alerts import exists_alert_for
from bot.services.dedup import DecisionError, decide
from bot.storage.repos import Repo
from bot.views.alerts import ACTION_KEEP, ACTION_OPEN, ACTION_SKIP, decided_alert

if TYPE_CHECKING:
    from bot.app import Runtime


def register(app: AsyncApp, runtime: Runtime) -> None:
    @app.action(ACTION_OPEN)
    async def opened(ack: AsyncAck) -> None:
        await ack()  # a link button: Slack opens the URL, we only acknowledge

    async def answer(
        ack: AsyncAck,
        body: dict[str, Any],
        respond: AsyncRespond,
        context: AsyncBoltContext,
        keep: bool,
    ) -> None:
        await ack()
        value = body["actions"][0].get("value", "")
        if not value.isdigit():
            return
        try:
            await decide(runtime.db, context.team_id, int(value), context.user_id, keep)
        except DecisionError as exc:
            await respond(response_type="ephemeral", replace_original=False, text=exc.reason)
            return
        async with runtime.db.session() as session:
            alert = await exists_alert_for(Repo(session, context.team_id), int(value))
        if alert is not None:
            text, blocks = decided_alert(alert, context.user_id, keep)
            await respond(replace_original=True, text=text, blocks=blocks)
        await runtime.kick()

    @app.action(ACTION_KEEP)
    async def keep(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
    ) -> None:
        await answer(ack, body, respond, context, keep=True)

    @app.action(ACTION_SKIP)
    async def skip(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
    ) -> None:
        await answer(ack, body, respond, context, keep=False)
