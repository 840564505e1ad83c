"""Turning outreach events into contacts, memberships, activities and sync work.

Each event is applied in the same transaction that stores it, so a 202 means the event and
everything it implies are durable, and a replayed event id changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from bot.connectors.registry import display_name
from bot.services.events import OutreachEvent
from bot.storage.db import Database
from bot.storage.models import Membership, Sequence
from bot.storage.repos import Repo
from bot.sync.rules import Trigger, apply_trigger

__all__ = ["IngestResult", "ingest"]

log = logging.getLogger(__name__)

_MEMBERSHIP_STATE = {
    "contact.removed": "removed",
    "email.sent": "messaged",
    "email.replied": "replied",
    "email.bounced": "bounced",
}


@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    accepted_ids: list[str] = field(default_factory=list)


async def ingest(db: Database, events: list[OutreachEvent]) -> IngestResult:
    """Store and apply valid events in one transaction; duplicates are counted, not applied."""
    result = IngestResult()
    async with db.session() as session:
        for event in events:
            repo = Repo(session, event.team_id)
            if await _apply(repo, event):
                result.accepted += 1
                result.accepted_ids.append(event.id)
            else:
                result.duplicates += 1
    log.info(
        "ingested events", extra={"accepted": result.accepted, "duplicates": result.duplicates}
    )
    return result


async def _apply(repo: Repo, event: OutreachEvent) -> bool:
    await repo.ensure_workspace()
    if not await repo.record_event(
        event.id, event.type, event.occurred_at, event.model_dump(mode="json")
    ):
        return False
    sequence = await repo.upsert_sequence(event.sequence.id, event.sequence.name, event.user_id)
    contact = await repo.upsert_contact(
        event.contact.email, event.contact.model_dump(exclude={"email"}, exclude_none=True)
    )
    membership = await repo.membership(sequence.id, contact.id)
    # An email event for a contact we never saw added still means it is in the sequence.
    is_new = membership is None
    if membership is None:
        membership = await repo.add_membership(sequence.id, contact.id, event.occurred_at)
    if is_new or (event.type == "contact.added" and membership.state == "removed"):
        membership.state = "added"
        await _trigger(repo, Trigger.ADD, membership, sequence)
    _update_membership(membership, event)
    if event.activity_kind:
        message = event.message
        await repo.add_activity(
            membership.id,
            event.id,
            event.activity_kind,
            event.occurred_at,
            message.subject if message else None,
            message.snippet if message else None,
            event.sentiment,
        )
    if event.type == "email.replied":
        await _trigger(repo, Trigger.REPLY, membership, sequence)
    return True


def _update_membership(membership: Membership, event: OutreachEvent) -> None:
    state = _MEMBERSHIP_STATE.get(event.type)
    # "messaged" must not overwrite a later reply or bounce that arrived first.
    if state and not (state == "messaged" and membership.state in ("replied", "bounced")):
        membership.state = state
    if event.type == "email.replied":
        membership.replied_at = membership.replied_at or event.occurred_at
        membership.sentiment = event.sentiment or membership.sentiment


async def _trigger(
    repo: Repo, trigger: Trigger, membership: Membership, sequence: Sequence
) -> None:
    connection = await repo.connection_for(sequence.owner_user_id)
    crm = display_name(connection.kind) if connection else None
    apply_trigger(trigger, membership, sequence, connection, crm)
