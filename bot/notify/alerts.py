"""Posts queued alerts to Slack: the alert channel, or a DM to the owner when there is none
(or when the channel refuses the bot). Alerts are rows written with the state change that
caused them, so a Slack outage delays an alert but never loses it."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.notify.slack_clients import SlackClients
from bot.ops.metrics import ALERT_LAG
from bot.services.crms import crm_name
from bot.services.dedup import exists_alert_for
from bot.storage.alerts import MAX_ALERT_ATTEMPTS, workspaces_with_unposted_alerts
from bot.storage.db import Database
from bot.storage.models import Alert, utcnow
from bot.storage.repos import Repo
from bot.sync.statuses import ALERT_STATUSES_MISSING
from bot.views.alerts import exists_alert, paused_dm, reauth_dm
from bot.views.statuses import statuses_missing_dm

__all__ = ["Notifier"]

log = logging.getLogger(__name__)

METADATA_TYPE = "crm_sync_alert"
# Longer than any one post takes (the Slack client's own retries included), so a live poster
# never loses its claim; after it, a claim is a poster that died.
CLAIM_SECONDS = 120.0
CLAIM_BATCH = 20
HISTORY_LIMIT = 200


class Notifier:
    """Posts each alert once, fleet-wide: claim the row, name the target channel, post (the
    message carries the alert id in its metadata), record the ``ts``. A claim that expired
    without a ``ts`` means a poster died between Slack's answer and its commit, so the
    channel is searched for the alert's message before anything is posted again."""

    def __init__(self, db: Database, clients: SlackClients, claim_seconds: float = CLAIM_SECONDS):
        self.db = db
        self.clients = clients
        self.claim = timedelta(seconds=claim_seconds)

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
        while claimed := await self._claim(workspace_id):
            for alert_id in claimed:
                posted += await self._deliver(client, workspace_id, alert_id)
        return posted

    async def _claim(self, workspace_id: str) -> list[int]:
        now = utcnow()
        async with self.db.session() as session:
            return await Repo(session, workspace_id).claim_alerts(
                now, now - self.claim, CLAIM_BATCH
            )

    async def _deliver(self, client: AsyncWebClient, workspace_id: str, alert_id: int) -> int:
        async with self.db.session() as session:
            repo = Repo(session, workspace_id)
            alert = await repo.alert_by_id(alert_id)
            if alert is None:
                return 0
            message = await self._message(repo, alert)
            if message is None:
                alert.attempts = MAX_ALERT_ATTEMPTS
                alert.last_error = "nothing left to alert about"
                return 0
        if alert.posted_channel and await self._already_posted(client, alert):
            return 1
        try:
            await self._post(client, alert, *message)
        except SlackApiError as exc:
            await self._failed(alert, str(exc.response.get("error")))
            return 0
        return 1

    async def _post(
        self, client: AsyncWebClient, alert: Alert, text: str, blocks: list[dict[str, Any]]
    ) -> None:
        channel = alert.channel_id or await self._dm_channel(client, alert.user_id)
        try:
            await self._post_to(client, alert, channel, text, blocks)
        except SlackApiError as exc:
            if not alert.channel_id:
                raise
            log.warning(
                "alert channel refused, sending a DM instead",
                extra={"alert_id": alert.id, "error": exc.response.get("error")},
            )
            channel = await self._dm_channel(client, alert.user_id)
            await self._post_to(client, alert, channel, text, blocks)

    async def _post_to(
        self,
        client: AsyncWebClient,
        alert: Alert,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]],
    ) -> None:
        await self._update(alert, posted_channel=channel)  # where to look if we crash now
        response = await client.chat_postMessage(
            channel=channel,
            text=text,
            blocks=blocks,
            metadata={"event_type": METADATA_TYPE, "event_payload": {"alert_id": alert.id}},
        )
        ALERT_LAG.observe((utcnow() - alert.created_at).total_seconds())
        await self._update(
            alert,
            posted_at=utcnow(),
            posted_channel=response.get("channel", channel),
            message_ts=response.get("ts"),
            last_error=None,
        )

    async def _already_posted(self, client: AsyncWebClient, alert: Alert) -> bool:
        """Whether an earlier, interrupted attempt did post this alert; records its ts."""
        try:
            history = await client.conversations_history(
                channel=alert.posted_channel,
                oldest=f"{alert.created_at.timestamp() - 60:.6f}",
                include_all_metadata=True,
                limit=HISTORY_LIMIT,
            )
        except SlackApiError as exc:
            log.warning(
                "could not check whether an alert was posted; posting it",
                extra={"alert_id": alert.id, "error": exc.response.get("error")},
            )
            return False
        for message in history.get("messages", []):
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == METADATA_TYPE and payload.get("alert_id") == alert.id:
                await self._update(alert, posted_at=utcnow(), message_ts=message.get("ts"))
                log.info("alert found already posted", extra={"alert_id": alert.id})
                return True
        return False

    async def _failed(self, alert: Alert, error: str) -> None:
        # Not posted: nothing to look for next time, and the claim lapses for a retry.
        await self._update(alert, posted_channel=None, last_error=error)
        log.warning("alert not posted", extra={"alert_id": alert.id, "error": error})

    async def _update(self, alert: Alert, **values: Any) -> None:
        async with self.db.session() as session:
            row = await Repo(session, alert.workspace_id).alert_by_id(alert.id)
            if row is not None:
                for name, value in values.items():
                    setattr(row, name, value)

    async def _message(self, repo: Repo, alert: Alert) -> tuple[str, list[dict[str, Any]]] | None:
        if alert.kind == "reauth":
            conn = await repo.connection_for(alert.user_id)
            if conn is None:
                return None
            return reauth_dm(crm_name(conn.kind), conn.kind, conn.status_reason)
        if alert.kind == "paused":
            conn = await repo.connection_for(alert.user_id)
            if conn is None or conn.paused_until is None:
                return None
            return paused_dm(crm_name(conn.kind), conn.status_reason)
        if alert.kind == ALERT_STATUSES_MISSING:
            conn = await repo.connection_for(alert.user_id)
            if conn is None or not conn.status_warning:
                return None  # fixed (or disconnected) before the warning went out
            return statuses_missing_dm(crm_name(conn.kind), conn.status_warning.split(", "))
        if alert.membership_id is None:
            return None
        exists = await exists_alert_for(repo, alert.membership_id)
        return exists_alert(exists) if exists else None

    @staticmethod
    async def _dm_channel(client: AsyncWebClient, user_id: str) -> str:
        opened = await client.conversations_open(users=user_id)
        return opened["channel"]["id"]
