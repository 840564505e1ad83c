"""The teammate's answer to an "Exists in <CRM>" warning: keep syncing (link) or skip."""

from __future__ import annotations

from bot.storage.db import Database
from bot.storage.models import DedupState, SyncState
from bot.storage.repos import Repo

__all__ = ["DecisionError", "decide"]


class DecisionError(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


async def decide(
    db: Database, workspace_id: str, membership_id: int, user_id: str, keep: bool
) -> None:
    async with db.session() as session:
        membership = await Repo(session, workspace_id).membership_by_id(membership_id)
        if membership is None:
            raise DecisionError("That contact is no longer in the sequence.")
        if membership.dedup_state not in (DedupState.EXISTS, DedupState.KEPT):
            raise DecisionError("This contact was not flagged as a duplicate.")
        if membership.sync_state == SyncState.SYNCED:
            raise DecisionError("This contact has already been synced.")
        if keep:
            membership.dedup_state = DedupState.KEPT
            if membership.sync_state in (SyncState.NEEDS_DECISION, SyncState.DISMISSED):
                membership.sync_state = SyncState.PENDING
                membership.sync_reason = None
        else:
            membership.sync_state = SyncState.DISMISSED
            membership.sync_reason = f"Skipped by <@{user_id}> after the duplicate warning."
