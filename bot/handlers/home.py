"""App Home: published when the teammate opens it and after the fixes it offers."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import func, select

from bot.connectors.registry import CONNECTORS
from bot.handlers.connect import _crm_choices
from bot.handlers.settings import settings_form
from bot.services.resync import retry_failed
from bot.services.sequences import count_sequences
from bot.services.settings import NotConnected, load_connection
from bot.services.status import connection_health
from bot.storage import models as m
from bot.storage.models import SyncState
from bot.storage.repos import Repo
from bot.tasks import jobs
from bot.views.connect import picker_modal
from bot.views.home import (
    ACTION_HOME_CONNECT,
    ACTION_HOME_EDIT_SETTINGS,
    ACTION_HOME_RETRY,
    HomeData,
    home_view,
    settings_summary,
)
from bot.views.settings import settings_modal

if TYPE_CHECKING:
    from bot.app import Runtime

log = logging.getLogger(__name__)


async def home_data(runtime: Runtime, team: str, user: str) -> HomeData:
    async with runtime.db.session() as session:
        repo = Repo(session, team)
        conn = await repo.connection_for(user)
        data = HomeData(connection_health(conn))
        if conn is None or conn.kind not in CONNECTORS or conn.status == "disconnected":
            return data
        data.settings = settings_summary(settings_form(conn))
        data.sequences = await count_sequences(repo, user)
        states = await session.execute(
            select(m.Membership.sync_state, func.count(m.Membership.id))
            .join(m.Sequence, m.Sequence.id == m.Membership.sequence_id)
            .where(m.Membership.workspace_id == team, m.Sequence.owner_user_id == user)
            .group_by(m.Membership.sync_state)
        )
        counts = dict(states.all())
    data.failed = counts.get(SyncState.FAILED, 0)
    data.flagged = counts.get(SyncState.NEEDS_DECISION, 0)
    return data


async def publish_home(runtime: Runtime, client: AsyncWebClient, team: str, user: str) -> None:
    view = home_view(await home_data(runtime, team, user))
    try:
        await client.views_publish(user_id=user, view=view)
    except SlackApiError as exc:
        log.warning("app home not published", extra={"error": exc.response.get("error")})


def register(app: AsyncApp, runtime: Runtime) -> None:
    @app.event("app_home_opened")
    async def opened(event: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext):
        if event.get("tab", "home") != "home":
            return
        await publish_home(runtime, client, context.team_id, event["user"])

    @app.action(ACTION_HOME_EDIT_SETTINGS)
    async def edit_settings(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await ack()
        try:
            conn = await load_connection(runtime.db, context.team_id, context.user_id)
        except NotConnected:
            return
        await client.views_open(
            trigger_id=body["trigger_id"], view=settings_modal(settings_form(conn))
        )

    @app.action(ACTION_HOME_CONNECT)
    async def connect(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=picker_modal(_crm_choices()))

    @app.action(ACTION_HOME_RETRY)
    async def retry(ack: AsyncAck, client: AsyncWebClient, context: AsyncBoltContext) -> None:
        await ack()
        try:
            conn = await load_connection(runtime.db, context.team_id, context.user_id)
        except NotConnected:
            return
        if await retry_failed(runtime.db, conn):
            await runtime.runner.submit(jobs.sync_pass(context.team_id, conn.id))
        await publish_home(runtime, client, context.team_id, context.user_id)
