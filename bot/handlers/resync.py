"""``/crm resync <sequence> [email]``: one contact now, or a whole sequence after a preview,
with one progress message updated in place and a summary at the end (the background job)."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps, deps_of
from bot.handlers.command import Command
from bot.services import resync as service
from bot.services.problems import Refused
from bot.views.problems import problem_text
from bot.views.resync import (
    CALLBACK_RESYNC,
    USAGE,
    backfill_chosen,
    loading_modal,
    preview_modal,
    problem_modal,
    resyncing_one,
    submitted_preview,
)

__all__ = ["parse_resync", "register", "resync"]

log = logging.getLogger(__name__)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def parse_resync(text: str) -> tuple[str, str | None]:
    """(sequence, email or None): the email, if any, is the last word."""
    words = text.split()
    if words:
        last = words[-1].strip("<>")
        if last.startswith("mailto:"):
            last = last.removeprefix("mailto:").split("|", 1)[0]
        if _EMAIL.match(last):
            return " ".join(words[:-1]), last.lower()
    return text.strip(), None


async def resync(cmd: Command) -> None:
    sequence_text, email = parse_resync(cmd.args)
    if not sequence_text:
        await cmd.ack(response_type="ephemeral", text=USAGE)
        return
    try:
        target = await service.find_target(cmd.deps, cmd.workspace_id, cmd.user_id, sequence_text)
    except Refused as exc:
        await cmd.ack(response_type="ephemeral", text=problem_text(exc))
        return
    if email is not None:
        await cmd.ack(response_type="ephemeral", text=resyncing_one(email, target.crm))
        await service.queue_one(cmd.deps, target, email, cmd.response_url)
        return
    await cmd.ack()
    opened = await cmd.client.views_open(
        trigger_id=cmd.trigger_id, view=loading_modal(target.sequence_name, target.crm)
    )
    preview = _preview(cmd.deps, cmd.client, opened["view"]["id"], target, cmd.channel_id)
    cmd.deps.spawn(preview)


async def _preview(
    deps: Deps,
    client: AsyncWebClient,
    view_id: str,
    target: service.ResyncTarget,
    channel_id: str | None,
) -> None:
    try:
        plan = await service.preview(deps, target)
    except Refused as exc:
        await _replace_view(client, view_id, problem_modal(problem_text(exc)))
        return
    await _replace_view(client, view_id, preview_modal(plan, target, channel_id))


async def _replace_view(client: AsyncWebClient, view_id: str, view: dict[str, Any]) -> None:
    try:
        await client.views_update(view_id=view_id, view=view)
    except SlackApiError as exc:  # the teammate closed the modal while we were counting
        log.info("resync preview not shown", extra={"error": exc.response.get("error")})


async def confirmed(ack: AsyncAck, view: dict[str, Any], context: AsyncBoltContext) -> None:
    sequence_id, channel = submitted_preview(view)
    await ack()
    if sequence_id is None:
        return
    await service.queue_bulk(
        deps_of(context),
        context.team_id,
        context.user_id,
        sequence_id,
        channel,
        backfill=backfill_chosen(view["state"]["values"]),
    )


def register(app: AsyncApp) -> None:
    app.view(CALLBACK_RESYNC)(confirmed)
