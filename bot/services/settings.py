"""A teammate's connection and its settings: finding it, the settings form, saving it."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.context import ServiceContext
from bot.services.crms import crm
from bot.services.problems import NotConnected
from bot.states import ConnectionStatus, SyncMode
from bot.storage.models import Connection
from bot.storage.repos import Repo

__all__ = [
    "NotConnected",
    "SavedSettings",
    "SettingsForm",
    "SettingsUpdate",
    "find_connection",
    "load_connection",
    "open_settings",
    "save_settings",
    "settings_form",
]


@dataclass(frozen=True)
class SettingsUpdate:
    """The teammate's choices; the service fits them to what the CRM can do."""

    sync_mode: SyncMode
    sync_as: str | None
    dedup_enabled: bool
    activity_enabled: bool
    default_job_id: str | None
    default_job_name: str | None
    alert_channel_id: str | None
    status_advance: bool = False


@dataclass(frozen=True, kw_only=True)
class SettingsForm(SettingsUpdate):
    """The settings as they stand, with what the teammate's CRM offers."""

    crm: str
    record_types: tuple[str, ...]
    supports_jobs: bool
    supports_statuses: bool = False


@dataclass(frozen=True)
class SavedSettings:
    crm: str
    sync_mode: SyncMode


async def find_connection(
    ctx: ServiceContext, workspace_id: str, user_id: str
) -> Connection | None:
    """The teammate's live connection, or None (never connected, or disconnected)."""
    async with ctx.db.session() as session:
        conn = await Repo(session, workspace_id).connection_for(user_id)
    if conn is None or conn.status == ConnectionStatus.DISCONNECTED:
        return None
    return conn


async def load_connection(ctx: ServiceContext, workspace_id: str, user_id: str) -> Connection:
    """The teammate's live connection; :class:`NotConnected` when there is none."""
    conn = await find_connection(ctx, workspace_id, user_id)
    if conn is None:
        raise NotConnected
    return conn


def settings_form(conn: Connection) -> SettingsForm:
    info = crm(conn.kind)
    assert info is not None, conn.kind
    return SettingsForm(
        crm=info.name,
        sync_mode=SyncMode(conn.sync_mode),
        record_types=info.record_types,
        sync_as=conn.sync_as,
        dedup_enabled=conn.dedup_enabled,
        activity_enabled=conn.activity_enabled,
        default_job_id=conn.default_job_id,
        default_job_name=conn.default_job_name,
        alert_channel_id=conn.alert_channel_id,
        supports_jobs=info.jobs,
        supports_statuses=info.statuses,
        status_advance=conn.status_advance,
    )


async def open_settings(ctx: ServiceContext, workspace_id: str, user_id: str) -> SettingsForm:
    return settings_form(await load_connection(ctx, workspace_id, user_id))


async def save_settings(
    ctx: ServiceContext, workspace_id: str, user_id: str, update: SettingsUpdate
) -> SavedSettings:
    async with ctx.db.session() as session:
        conn = await Repo(session, workspace_id).connection_for(user_id)
        info = crm(conn.kind) if conn and conn.status != ConnectionStatus.DISCONNECTED else None
        if conn is None or info is None:
            raise NotConnected
        status_advance = update.status_advance and info.statuses
        conn.sync_mode = update.sync_mode
        conn.sync_as = info.sync_as(update.sync_as)
        conn.dedup_enabled = update.dedup_enabled
        conn.activity_enabled = update.activity_enabled
        conn.default_job_id = update.default_job_id
        conn.default_job_name = update.default_job_name
        conn.alert_channel_id = update.alert_channel_id
        if status_advance and not conn.status_advance:
            conn.status_warning = None  # switched on again: warn afresh about what is missing
        conn.status_advance = status_advance
    return SavedSettings(info.name, update.sync_mode)
