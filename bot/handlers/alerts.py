"""Buttons on the "Exists in <CRM>" alert: keep syncing (link) or skip the contact."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

from bot.deps import deps_of
from bot.services.dedup import DecisionError, decide
from bot.views.alerts import ACTION_KEEP, ACTION_OPEN, ACTION_SKIP, decided_alert
from bot.views.problems import problem_text

__all__ = ["register"]


async def opened(ack: AsyncAck) -> None:
    await ack()  # a link button: Slack opens the URL, we only acknowledge


async def _answer(
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
        alert = await decide(deps_of(context), context.team_id, int(value), context.user_id, keep)
    except DecisionError as exc:
        await respond(response_type="ephemeral", replace_original=False, text=problem_text(exc))
        return
    if alert is not None:
        text, blocks = decided_alert(alert, context.user_id, keep)
        await respond(replace_original=True, text=text, blocks=blocks)


async def keep(
    ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
) -> None:
    await _answer(ack, body, respond, context, keep=True)


async def skip(
    ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
) -> None:
    await _answer(ack, body, respond, context, keep=False)


def register(app: AsyncApp) -> None:
    app.action(ACTION_OPEN)(opened)
    app.action(ACTION_KEEP)(keep)
    app.action(ACTION_SKIP)(skip)
