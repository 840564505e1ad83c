"""Posts queued alerts to Slack: the alert channel, or a DM to the owner when there is none
(or when the channel refuses the bot). Alerts are rows written with the state change that
caused them, so a Slack outage delays an alert but never loses it."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.connectors.registry import display_name
from bot.notify.slack_clients import SlackClients
from bot.storage.db import Database
from bot.storage.models import Alert, utcnow
from bot.storage.repos import Repo, workspaces_with_unposted_alerts
from bot.sync.statuses import ALERT_STATUSES_MISSING
from bot.views.alerts import ExistsAlert, exists_alert, paused_dm, reauth_dm
from bot.views.statuses import statuses_missing_dm

__all__ = ["Notifier", "exists_alert_for"]

log = logging.getLogger(__name__)


async def exists_alert_for(repo: Repo, membership_id: int) -> ExistsAlert | None:
    details = await repo.membership_details(membership_id)
    if details is None:
        return None
    membership, sequence, contact = details
    conn = await repo.connection_for(sequence.owner_user_id)
    name = " ".join(p for p in (contact.first_name, contact.last_name) if p)
    return ExistsAlert(
        membership_id=membership.id,
        crm=display_name(conn.kind) if conn else "the CRM",
        email=contact.email,
        contact_name=name,
        sequence_name=sequence.name,
        record_id=membership.flag_record_id or "",
        record_url=membership.flag_record_url,
    )


class Notifier:
    def __init__(self, db: Database, clients: SlackClients):
        self.db = db
        self.clients = clients

    async def post_all(self) -> None:
        async with self.db.session() as session:
            workspace_ids = await workspaces_with_unposted_alerts(session)
        for workspace_id in workspace_ids:
            await self.post_pending(workspace_id)

    async def post_pending(self, workspace_id: str) -> int:
        client = await self.clients.for_workspace(workspace_id)
        if client is None:
            return 0
        posted = 0
        async with self.db.session() as session:
            repo = Repo(session, workspace_id)
            for alert in await repo.unposted_alerts():
                message = await self._message(repo, alert)
                if message is None:
                    alert.attempts = 5
                    alert.last_error = "nothing left to alert about"
                    continue
                posted += await self._post(client, alert, *message)
        return posted

    async def _message(self, repo: Repo, alert: Alert) -> tuple[str, list[dict[str, Any]]] | None:
        if alert.kind == "reauth":
            conn = await repo.connection_for(alert.user_id)
            if conn is None:
                return None
            return reauth_dm(display_name(conn.kind), conn.kind, conn.status_reason)
        if alert.kind == "paused":
            conn = await repo.connection_for(alert.user_id)
            if conn is None or conn.paused_until is None:
                return None
            return paused_dm(display_name(conn.kind), conn.status_reason)
        if alert.kind == ALERT_STATUSES_MISSING:
            conn = await repo.connection_for(alert.user_id)
            if conn is None or not conn.status_warning:
                return None  # fixed (or disconnected) before the warning went out
            return statuses_missing_dm(display_name(conn.kind), conn.status_warning.split(", "))
        if alert.membership_id is None:
            return None
        exists = await exists_alert_for(repo, alert.membership_id)
        return exists_alert(exists) if exists else None

    async def _post(
        self, client: AsyncWebClient, alert: Alert, text: str, blocks: list[dict[str, Any]]
    ) -> int:
        alert.attempts += 1
        try:
            channel = alert.channel_id or await self._dm_channel(client, alert.user_id)
            try:
                response = await client.chat_postMessage(channel=channel, text=text, blocks=blocks)
            except SlackApiError as exc:
                if not alert.channel_id:
                    raise
                log.warning(
                    "alert channel refused, sending a DM instead",
                    extra={"alert_id": alert.id, "error": exc.response.get("error")},
                )
                channel = await self._dm_channel(client, alert.user_id)
                response = await client.chat_postMessage(channel=channel, text=text, blocks=blocks)
        except SlackApiError as exc:
            alert.last_error = str(exc.response.get("error"))
            log.warning("alert not posted", extra={"alert_id": alert.id, "error": alert.last_error})
            return 0
        alert.posted_at = utcnow()
        alert.posted_channel = response.get("channel", channel)
        alert.message_ts = response.get("ts")
        return 1

    @staticmethod
    async def _dm_channel(client: AsyncWebClient, user_id: str) -> str:
        opened = await client.conversations_open(users=user_id)
        return opened["channel"]["id"]
