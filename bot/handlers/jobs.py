"""Job search for every modal with a job picker (settings, sequence)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot.deps import deps_of
from bot.services.crm_jobs import job_choices
from bot.views.blocks import option
from bot.views.sequences import ACTION_SEQUENCE_JOB
from bot.views.settings import ACTION_JOB

__all__ = ["register"]


async def job_search(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    query = body.get("value", "")
    jobs = await job_choices(deps_of(context), context.team_id, context.user_id, query)
    await ack(options=[option(job.title, job.id) for job in jobs])


def register(app: AsyncApp) -> None:
    app.options(ACTION_JOB)(job_search)
    app.options(ACTION_SEQUENCE_JOB)(job_search)
