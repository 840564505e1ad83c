"""Reading and saving a teammate's connection settings."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.db import Database
from bot.storage.models import Connection, ConnectionStatus, SyncMode
from bot.storage.repos import Repo

__all__ = ["NotConnected", "SettingsUpdate", "load_connection", "save_settings"]


class NotConnected(Exception):
    """The teammate has no CRM connected."""


@dataclass(frozen=True)
class SettingsUpdate:
    sync_mode: SyncMode
    sync_as: str | None
    dedup_enabled: bool
    activity_enabled: bool
    default_job_id: str | None
    default_job_name: str | None
    alert_channel_id: str | None
    status_advance: bool = False


NOT_CONNECTED = "You have no CRM connected yet. Run `/crm connect` first."


async def find_connection(db: Database, workspace_id: str, user_id: str) -> Connection | None:
    """The teammate's live connection, or None (never connected, or disconnected)."""
    try:
        return await load_connection(db, workspace_id, user_id)
    except NotConnected:
        return None


async def load_connection(db: Database, workspace_id: str, user_id: str) -> Connection:
    async with db.session() as session:
        conn = await Repo(session, workspace_id).connection_for(user_id)
    if conn is None or conn.status == ConnectionStatus.DISCONNECTED:
        raise NotConnected
    return conn


async def save_settings(
    db: Database, workspace_id: str, user_id: str, update: SettingsUpdate
) -> Connection:
    async with db.session() as session:
        conn = await Repo(session, workspace_id).connection_for(user_id)
        if conn is None:
            raise NotConnected
        conn.sync_mode = update.sync_mode
        conn.sync_as = update.sync_as
        conn.dedup_enabled = update.dedup_enabled
        conn.activity_enabled = update.activity_enabled
        conn.default_job_id = update.default_job_id
        conn.default_job_name = update.default_job_name
        conn.alert_channel_id = update.alert_channel_id
        if update.status_advance and not conn.status_advance:
            conn.status_warning = None  # switched on again: warn afresh about what is missing
        conn.status_advance = update.status_advance
    return conn
