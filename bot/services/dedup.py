"""The "Exists in <CRM>" warning: what it says about a flagged contact, and the teammate's
answer to it, keep syncing (link) or skip."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.context import ServiceContext
from bot.services.crms import crm_name
from bot.services.problems import Problem, Refused
from bot.states import DedupState, SyncState
from bot.storage.repos import Repo
from bot.sync.reasons import Why, why

__all__ = ["DecisionError", "ExistsAlert", "decide", "exists_alert_for"]


class DecisionError(Refused):
    """The answer came too late or for a contact that was not flagged."""


@dataclass(frozen=True)
class ExistsAlert:
    membership_id: int
    crm: str
    email: str
    contact_name: str
    sequence_name: str
    record_id: str
    record_url: str | None


async def exists_alert_for(repo: Repo, membership_id: int) -> ExistsAlert | None:
    details = await repo.membership_details(membership_id)
    if details is None:
        return None
    membership, sequence, contact = details
    conn = await repo.connection_for(sequence.owner_user_id)
    name = " ".join(p for p in (contact.first_name, contact.last_name) if p)
    return ExistsAlert(
        membership_id=membership.id,
        crm=crm_name(conn.kind) if conn else "the CRM",
        email=contact.email,
        contact_name=name,
        sequence_name=sequence.name,
        record_id=membership.flag_record_id or "",
        record_url=membership.flag_record_url,
    )


async def decide(
    ctx: ServiceContext, workspace_id: str, membership_id: int, user_id: str, keep: bool
) -> ExistsAlert | None:
    """Record the answer; returns the alert as it now stands (for the decided message)."""
    async with ctx.db.session() as session:
        repo = Repo(session, workspace_id)
        membership = await repo.membership_by_id(membership_id)
        if membership is None:
            raise DecisionError(Problem.DECISION_GONE)
        if membership.dedup_state not in (DedupState.EXISTS, DedupState.KEPT):
            raise DecisionError(Problem.DECISION_NOT_FLAGGED)
        if membership.sync_state == SyncState.SYNCED:
            raise DecisionError(Problem.DECISION_ALREADY_SYNCED)
        if keep:
            membership.dedup_state = DedupState.KEPT
            if membership.sync_state in (SyncState.NEEDS_DECISION, SyncState.DISMISSED):
                membership.sync_state = SyncState.PENDING
                membership.sync_reason = None
        else:
            membership.sync_state = SyncState.DISMISSED
            membership.sync_reason = why(Why.SKIPPED_BY, user=user_id)
    async with ctx.db.session() as session:
        alert = await exists_alert_for(Repo(session, workspace_id), membership_id)
    await ctx.kick()
    return alert
