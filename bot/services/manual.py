"""``/crm add``: one contact added by hand goes through the same path as an outreach event."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from pydantic import ValidationError

from bot.services.context import ServiceContext
from bot.services.crms import crm_name
from bot.services.events import OutreachEvent
from bot.services.ingest import ingest
from bot.services.problems import Problem, Refused
from bot.states import ConnectionStatus, DedupState, Reason, SyncState
from bot.storage.models import utcnow
from bot.storage.repos import Repo

__all__ = ["AddRequest", "Added", "add_contact"]


@dataclass(frozen=True)
class AddRequest:
    sequence: str
    email: str
    first_name: str | None
    last_name: str | None


@dataclass(frozen=True)
class Added:
    """Where the added contact stands now."""

    email: str
    sequence: str
    state: SyncState
    reason: Reason | None
    crm: str | None  # the teammate's CRM, when connected
    checking_duplicates: bool


async def add_contact(
    ctx: ServiceContext, workspace_id: str, user_id: str, request: AddRequest
) -> Added:
    async with ctx.db.session() as session:
        existing = await Repo(session, workspace_id).find_sequence(user_id, request.sequence)
    sequence = (
        {"id": existing.external_id, "name": existing.name}
        if existing
        else {"id": f"slack:{request.sequence.lower()}", "name": request.sequence}
    )
    try:
        event = OutreachEvent.model_validate(
            {
                "id": f"slack-{uuid.uuid4().hex}",
                "type": "contact.added",
                "occurred_at": utcnow(),
                "team_id": workspace_id,
                "user_id": user_id,
                "sequence": sequence,
                "contact": {
                    "email": request.email,
                    "first_name": request.first_name,
                    "last_name": request.last_name,
                },
            }
        )
    except ValidationError as exc:
        raise Refused(Problem.INVALID_EMAIL, email=request.email) from exc
    await ingest(ctx.db, [event])
    async with ctx.db.session() as session:
        repo = Repo(session, workspace_id)
        seq = await repo.sequence_by_external_id(event.sequence.id)
        contact = await repo.contact_by_email(event.contact.email)
        membership = await repo.membership(seq.id, contact.id)
        conn = await repo.connection_for(user_id)
    await ctx.kick()
    return Added(
        email=request.email,
        sequence=request.sequence,
        state=SyncState(membership.sync_state),
        reason=membership.sync_reason,
        crm=crm_name(conn.kind) if conn and conn.status != ConnectionStatus.DISCONNECTED else None,
        checking_duplicates=membership.dedup_state == DedupState.PENDING,
    )
