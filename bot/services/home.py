"""The App Home at a glance: the connection's health, its settings, the sequences and the
problems that need the teammate."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.services.context import ServiceContext
from bot.services.crms import crm
from bot.services.sequences import SequenceCounts, count_sequences
from bot.services.settings import SettingsForm, settings_form
from bot.services.status import ConnectionHealth, connection_health
from bot.states import ConnectionStatus, SyncState
from bot.storage.repos import Repo

__all__ = ["HomeData", "home_data"]


@dataclass
class HomeData:
    health: ConnectionHealth | None
    settings: SettingsForm | None = None
    sequences: list[SequenceCounts] = field(default_factory=list)
    failed: int = 0
    flagged: int = 0


async def home_data(ctx: ServiceContext, workspace_id: str, user_id: str) -> HomeData:
    async with ctx.db.session() as session:
        repo = Repo(session, workspace_id)
        conn = await repo.connection_for(user_id)
        data = HomeData(connection_health(conn))
        if conn is None or crm(conn.kind) is None or conn.status == ConnectionStatus.DISCONNECTED:
            return data
        data.settings = settings_form(conn)
        data.sequences = await count_sequences(repo, user_id)
        counts = await repo.state_counts(user_id)
    data.failed = counts.get(SyncState.FAILED, 0)
    data.flagged = counts.get(SyncState.NEEDS_DECISION, 0)
    return data
