"""Turning outreach events into contacts, memberships, activities and sync work.

A batch is stored in one transaction, so a 202 means the events and everything they imply are
durable, and a replayed event id changes nothing. The batch's rows are loaded once, its new
events are applied to them in memory in the order sent (one batch may add a contact and then
record its reply), and what changed is written back set-based (``bot/storage/ingest.py``): the
number of statements does not grow with the batch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.connectors.registry import display_name
from bot.services.events import OutreachEvent
from bot.states import Reason
from bot.storage import ingest as store
from bot.storage.db import Database
from bot.storage.models import SyncState, utcnow
from bot.sync.rules import Trigger, apply_trigger

__all__ = ["IngestResult", "ingest"]

log = logging.getLogger(__name__)

_MEMBERSHIP_STATE = {
    "contact.removed": "removed",
    "email.sent": "messaged",
    "email.replied": "replied",
    "email.bounced": "bounced",
}


SEQUENCE_COLUMNS = (
    "workspace_id",
    "external_id",
    "name",
    "owner_user_id",
    "sync_disabled",
    "created_at",
)
CONTACT_VALUES = (*store.CONTACT_FIELDS, "custom")
NEW_MEMBERSHIP_COLUMNS = (
    "sequence_id",
    "contact_id",
    "workspace_id",
    "added_at",
    "sync_attempts",
    "backfill_activity",
    *store.MEMBERSHIP_FIELDS,
)
ACTIVITY_COLUMNS = (
    "workspace_id",
    "membership_id",
    "event_id",
    "kind",
    "occurred_at",
    "subject",
    "snippet",
    "sentiment",
)


@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    accepted_ids: list[str] = field(default_factory=list)


async def ingest(db: Database, events: list[OutreachEvent]) -> IngestResult:
    """Store and apply valid events in one transaction; duplicates are counted, not applied.

    Raises :class:`bot.storage.db.StoreBusy` when the database stayed locked; then nothing
    was stored."""
    unique = _first_of_each_id(events)
    accepted = await db.write(lambda session: _store(session, unique)) if unique else []
    result = IngestResult(
        accepted=len(accepted),
        duplicates=len(events) - len(accepted),
        accepted_ids=[event.id for event in accepted],
    )
    log.info(
        "ingested events", extra={"accepted": result.accepted, "duplicates": result.duplicates}
    )
    return result


def _first_of_each_id(events: list[OutreachEvent]) -> list[OutreachEvent]:
    seen: set[tuple[str, str]] = set()
    unique = []
    for event in events:
        if (event.team_id, event.id) not in seen:
            seen.add((event.team_id, event.id))
            unique.append(event)
    return unique


async def _store(session: store.Session, events: list[OutreachEvent]) -> list[OutreachEvent]:
    await store.ensure_workspaces(session, {event.team_id for event in events})
    now = utcnow()
    stored = await store.insert_events(session, [_event_row(event, now) for event in events])
    fresh = [event for event in events if (event.team_id, event.id) in stored]
    batch = await Batch.load(session, fresh)
    for event in fresh:
        batch.apply(event)
    await batch.save(session)
    return fresh


def _event_row(event: OutreachEvent, received_at: datetime) -> tuple[Any, ...]:
    """In ``store.EVENT_COLUMNS`` order; the payload as JSON text, kept for audit."""
    return (
        event.team_id,
        event.id,
        event.type,
        event.occurred_at,
        received_at,
        event.model_dump_json(),
    )


# --- the batch's rows, in memory ------------------------------------------------------------
# Plain objects with the attributes bot/sync/rules.py reads and sets, so the same rules run
# here; ORM instances would cost more than the statements saved.


@dataclass(slots=True)
class SequenceRow:
    workspace_id: str
    external_id: str
    name: str
    owner_user_id: str
    sync_mode: str | None = None
    sync_as: str | None = None
    job_id: str | None = None
    sync_disabled: bool = False
    id: int | None = None
    renamed: bool = False


@dataclass(slots=True)
class ContactRow:
    workspace_id: str
    email: str
    first_name: str | None = None
    last_name: str | None = None
    title: str | None = None
    company: str | None = None
    phone: str | None = None
    linkedin_url: str | None = None
    location: str | None = None
    custom: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
    changed: bool = False

    def values(self) -> tuple[Any, ...]:
        """In ``CONTACT_VALUES`` order."""
        return (
            self.first_name,
            self.last_name,
            self.title,
            self.company,
            self.phone,
            self.linkedin_url,
            self.location,
            self.custom,
        )

    def fill(self, event: OutreachEvent) -> None:
        """Later events fill fields in and never blank one; custom fields are merged."""
        given = event.contact
        for name in store.CONTACT_FIELDS:
            value = getattr(given, name)
            if value not in (None, "") and value != getattr(self, name):
                setattr(self, name, value)
                self.changed = True
        if given.custom and any(self.custom.get(k) != v for k, v in given.custom.items()):
            self.custom = {**self.custom, **given.custom}
            self.changed = True


@dataclass(slots=True)
class MembershipRow:
    sequence: SequenceRow
    contact: ContactRow
    added_at: datetime
    state: str = "added"
    sentiment: str | None = None
    replied_at: datetime | None = None
    sync_state: str = SyncState.WAITING
    sync_reason: Reason | None = None
    next_attempt_at: datetime | None = None
    dedup_state: str | None = None
    id: int | None = None
    stored: tuple[Any, ...] | None = None  # MEMBERSHIP_FIELDS as loaded

    def values(self) -> tuple[Any, ...]:
        """In ``store.MEMBERSHIP_FIELDS`` order."""
        return (
            self.state,
            self.sentiment,
            self.replied_at,
            self.sync_state,
            self.sync_reason.code if self.sync_reason else None,
            self.sync_reason.params if self.sync_reason else None,
            self.next_attempt_at,
            self.dedup_state,
        )


def _sequence(row: store.StoredRow) -> SequenceRow:
    return SequenceRow(
        row.workspace_id,
        row.external_id,
        row.name,
        row.owner_user_id,
        row.sync_mode,
        row.sync_as,
        row.job_id,
        row.sync_disabled,
        row.id,
    )


def _contact(row: store.StoredRow) -> ContactRow:
    return ContactRow(
        row.workspace_id,
        row.email,
        **{name: getattr(row, name) for name in store.CONTACT_FIELDS},
        custom=row.custom or {},
        id=row.id,
    )


@dataclass
class Batch:
    """The sequences, contacts and memberships a batch touches, and the owners' connections."""

    sequences: dict[tuple[str, str], SequenceRow]
    contacts: dict[tuple[str, str], ContactRow]
    memberships: dict[tuple[int, int], MembershipRow]
    connections: dict[tuple[str, str], store.StoredRow]
    new_memberships: dict[tuple[int, int], MembershipRow] = field(default_factory=dict)
    activities: list[tuple[MembershipRow, OutreachEvent]] = field(default_factory=list)

    @classmethod
    async def load(cls, session: store.Session, events: list[OutreachEvent]) -> Batch:
        seq_keys = {(e.team_id, e.sequence.id) for e in events}
        contact_keys = {(e.team_id, e.contact.email) for e in events}
        sequences = {
            (row.workspace_id, row.external_id): _sequence(row)
            for row in await store.load_sequences(session, seq_keys)
        }
        contacts = {
            (row.workspace_id, row.email): _contact(row)
            for row in await store.lock_contacts(session, contact_keys)
        }
        memberships = await _memberships(session, events, sequences, contacts)
        for event in events:  # a new sequence belongs to the user of its first event
            key = (event.team_id, event.sequence.id)
            if key not in sequences:
                name = event.sequence.name or event.sequence.id
                sequences[key] = SequenceRow(event.team_id, event.sequence.id, name, event.user_id)
        owners = {(s.workspace_id, s.owner_user_id) for s in sequences.values()}
        connections = await store.connections_of(session, owners)
        return cls(sequences, contacts, memberships, connections)

    def apply(self, event: OutreachEvent) -> None:
        """One event, as the rules of PRODUCT.md section 6 and 4 say."""
        sequence = self.sequences[(event.team_id, event.sequence.id)]
        if event.sequence.name and sequence.name != event.sequence.name:
            sequence.name = event.sequence.name
            sequence.renamed = True
        contact = self._contact(event)
        membership, is_new = self._membership(sequence, contact, event.occurred_at)
        # An email event for a contact we never saw added still means it is in the sequence.
        if is_new or (event.type == "contact.added" and membership.state == "removed"):
            membership.state = "added"
            self._trigger(Trigger.ADD, membership)
        _update_membership(membership, event)
        if event.activity_kind:
            self.activities.append((membership, event))
        if event.type == "email.replied":
            self._trigger(Trigger.REPLY, membership)

    def _contact(self, event: OutreachEvent) -> ContactRow:
        key = (event.team_id, event.contact.email)
        contact = self.contacts.get(key)
        if contact is None:
            contact = self.contacts[key] = ContactRow(event.team_id, event.contact.email)
        contact.fill(event)
        return contact

    def _membership(
        self, sequence: SequenceRow, contact: ContactRow, occurred_at: datetime
    ) -> tuple[MembershipRow, bool]:
        """The membership, and whether this event created it."""
        found = self.memberships.get((sequence.id, contact.id))  # type: ignore[arg-type]
        if found is None:
            found = self.new_memberships.get((id(sequence), id(contact)))
        if found is not None:
            return found, False
        created = MembershipRow(sequence, contact, occurred_at)
        self.new_memberships[(id(sequence), id(contact))] = created
        return created, True

    def _trigger(self, trigger: Trigger, membership: MembershipRow) -> None:
        sequence = membership.sequence
        connection = self.connections.get((sequence.workspace_id, sequence.owner_user_id))
        crm = display_name(connection.kind) if connection else None
        apply_trigger(trigger, membership, sequence, connection, crm)  # type: ignore[arg-type]

    async def save(self, session: store.Session) -> None:
        await self._save_sequences(session)
        await self._save_contacts(session)
        await self._save_memberships(session)
        await store.insert_rows(
            session,
            store.ACTIVITIES,
            ACTIVITY_COLUMNS,
            [_activity_row(membership, event) for membership, event in self.activities],
        )

    async def _save_sequences(self, session: store.Session) -> None:
        new = [s for s in self.sequences.values() if s.id is None]
        now = utcnow()
        ids = await store.insert_new(
            session,
            store.SEQUENCES,
            SEQUENCE_COLUMNS,
            [(s.workspace_id, s.external_id, s.name, s.owner_user_id, False, now) for s in new],
            key=2,
        )
        for s in new:
            s.id = ids[(s.workspace_id, s.external_id)]
        renamed = [(s.name, s.id) for s in self.sequences.values() if s.renamed]
        await store.update_rows(session, store.SEQUENCES, ("name",), renamed)

    async def _save_contacts(self, session: store.Session) -> None:
        new = [c for c in self.contacts.values() if c.id is None]
        ids = await store.insert_new(
            session,
            store.CONTACTS,
            ("workspace_id", "email", *CONTACT_VALUES),
            [(c.workspace_id, c.email, *c.values()) for c in new],
            key=2,
        )
        for c in new:
            c.id = ids[(c.workspace_id, c.email)]
        changed = [(*c.values(), c.id) for c in self.contacts.values() if c.changed]
        await store.update_rows(session, store.CONTACTS, CONTACT_VALUES, changed)

    async def _save_memberships(self, session: store.Session) -> None:
        new = list(self.new_memberships.values())
        ids = await store.insert_new(
            session,
            store.MEMBERSHIPS,
            NEW_MEMBERSHIP_COLUMNS,
            [
                (
                    ms.sequence.id,
                    ms.contact.id,
                    ms.sequence.workspace_id,
                    ms.added_at,
                    0,
                    False,
                    *ms.values(),
                )
                for ms in new
            ],
            key=2,
        )
        for ms in new:
            ms.id = ids[(ms.sequence.id, ms.contact.id)]
        changed = [
            (*ms.values(), ms.id) for ms in self.memberships.values() if ms.values() != ms.stored
        ]
        await store.update_rows(session, store.MEMBERSHIPS, store.MEMBERSHIP_FIELDS, changed)


async def _memberships(
    session: store.Session,
    events: list[OutreachEvent],
    sequences: dict[tuple[str, str], SequenceRow],
    contacts: dict[tuple[str, str], ContactRow],
) -> dict[tuple[int, int], MembershipRow]:
    """The stored memberships of the batch's stored sequences and contacts, locked."""
    pairs = set()
    for event in events:
        sequence = sequences.get((event.team_id, event.sequence.id))
        contact = contacts.get((event.team_id, event.contact.email))
        if sequence is not None and contact is not None:
            pairs.add((sequence.id, contact.id))
    by_id_seq = {s.id: s for s in sequences.values()}
    by_id_contact = {c.id: c for c in contacts.values()}
    found = {}
    for row in await store.lock_memberships(session, pairs):
        values = {name: row._mapping[name] for name in store.MEMBERSHIP_FIELDS}
        code, params = values.pop("sync_reason_code"), values.pop("sync_reason_params")
        membership = MembershipRow(
            by_id_seq[row.sequence_id],
            by_id_contact[row.contact_id],
            row.added_at,
            **values,
            sync_reason=Reason(code, params or {}) if code else None,
            id=row.id,
        )
        membership.stored = membership.values()
        found[(row.sequence_id, row.contact_id)] = membership
    return found


def _activity_row(membership: MembershipRow, event: OutreachEvent) -> tuple[Any, ...]:
    message = event.message
    return (
        event.team_id,
        membership.id,
        event.id,
        event.activity_kind,
        event.occurred_at,
        message.subject if message else None,
        message.snippet if message else None,
        event.sentiment,
    )


def _update_membership(membership: MembershipRow, event: OutreachEvent) -> None:
    state = _MEMBERSHIP_STATE.get(event.type)
    # "messaged" must not overwrite a later reply or bounce that arrived first.
    if state and not (state == "messaged" and membership.state in ("replied", "bounced")):
        membership.state = state
    if event.type == "email.replied":
        membership.replied_at = membership.replied_at or event.occurred_at
        membership.sentiment = event.sentiment or membership.sentiment
