"""Import a CRM list into a sequence (PRODUCT.md rule 13).

Members with an email join the sequence as memberships already linked to their CRM record
(they exist there, so nothing is created); members without one are counted and reported.
One import runs at a time per connection, which the database enforces (a partial unique index
on running imports), so two clicks or two workers cannot start a second one.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.connectors.base import Capability, ListMember, ListSource
from bot.connectors.errors import ConnectorError
from bot.connectors.registry import display_name, get_spec
from bot.services.settings import NOT_CONNECTED
from bot.storage.db import Database
from bot.storage.models import ListImport, Membership, Sequence, SyncMode, SyncState, utcnow
from bot.storage.repos import Repo
from bot.sync.rules import effective_settings

__all__ = [
    "ImportRefused",
    "ImportSummary",
    "SequenceChoice",
    "fail_import",
    "run_import",
    "sequences_of",
    "start_import",
    "supports_lists",
]

CHUNK = 50
STALE_AFTER = timedelta(minutes=30)


class ImportRefused(Exception):
    """The import cannot start; ``reason`` says why in words."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SequenceChoice:
    """An existing sequence of the teammate (by our id) or the name of a new one."""

    sequence_id: int | None = None
    new_name: str | None = None


@dataclass(frozen=True)
class ImportSummary:
    import_id: int
    crm: str
    list_name: str
    sequence_name: str
    status: str
    total: int
    added: int
    skipped_no_email: int
    already: int
    reason: str | None = None

    @property
    def processed(self) -> int:
        return self.added + self.skipped_no_email + self.already


def supports_lists(kind: str) -> bool:
    return Capability.LISTS in get_spec(kind).capabilities


async def start_import(
    db: Database,
    workspace_id: str,
    user_id: str,
    list_id: str,
    list_name: str,
    choice: SequenceChoice,
) -> int:
    """Claim the connection's import slot and record the import; returns its id."""
    async with db.session() as session:
        repo = Repo(session, workspace_id)
        conn = await repo.connection_for(user_id)
        if conn is None:
            raise ImportRefused(NOT_CONNECTED)
        if not supports_lists(conn.kind):
            raise ImportRefused(f"{display_name(conn.kind)} has no lists to import from.")
        await _expire_stale(session, conn.id)
        sequence = await _sequence(repo, user_id, choice)
        running = await _running(session, conn.id)
        if running is not None:
            raise ImportRefused(_already_running(running))
        job = ListImport(
            workspace_id=workspace_id,
            connection_id=conn.id,
            user_id=user_id,
            list_id=list_id,
            list_name=list_name,
            sequence_id=sequence.id,
            status="running",
        )
        session.add(job)
        try:
            await session.flush()
        except IntegrityError:
            raise ImportRefused(
                "An import is already running for your connection. Wait for it to finish."
            ) from None
        return job.id


async def run_import(
    db: Database,
    source: ListSource,
    workspace_id: str,
    import_id: int,
    progress: Callable[[ImportSummary], Awaitable[None]] | None = None,
) -> ImportSummary:
    """Fetch the members and add them to the sequence, reporting after every chunk."""
    try:
        members = await source.list_members((await _load(db, workspace_id, import_id)).list_id)
    except ConnectorError as exc:
        return await _finish(db, workspace_id, import_id, "failed", exc.reason)
    await _update(db, workspace_id, import_id, total=len(members))
    for start in range(0, len(members), CHUNK):
        await _add_chunk(db, workspace_id, import_id, members[start : start + CHUNK])
        if progress is not None and start + CHUNK < len(members):
            await progress(await summary(db, workspace_id, import_id))
    return await _finish(db, workspace_id, import_id, "done", None)


async def fail_import(
    db: Database, workspace_id: str, import_id: int, reason: str
) -> ImportSummary:
    """Release the connection's import slot after an unexpected failure."""
    return await _finish(db, workspace_id, import_id, "failed", reason)


async def summary(db: Database, workspace_id: str, import_id: int) -> ImportSummary:
    async with db.session() as session:
        repo = Repo(session, workspace_id)
        job = await _get(session, workspace_id, import_id)
        conn = await repo.connection(job.connection_id)
        sequence = await _sequence_by_id(repo, job.sequence_id)
        return ImportSummary(
            import_id=job.id,
            crm=display_name(conn.kind) if conn else "the CRM",
            list_name=job.list_name,
            sequence_name=sequence.name if sequence else "?",
            status=job.status,
            total=job.total,
            added=job.added,
            skipped_no_email=job.skipped_no_email,
            already=job.already,
            reason=job.reason,
        )


# --- steps ------------------------------------------------------------------------------------


async def _add_chunk(
    db: Database, workspace_id: str, import_id: int, members: list[ListMember]
) -> None:
    async with db.session() as session:
        repo = Repo(session, workspace_id)
        job = await _get(session, workspace_id, import_id)
        conn = await repo.connection(job.connection_id)
        sequence = await _sequence_by_id(repo, job.sequence_id)
        if conn is None or sequence is None:
            return
        settings = effective_settings(sequence, conn)
        # With a job to assign, the engine finishes the sync (the link already exists, so it
        # only assigns the job); otherwise the membership is synced as it stands.
        needs_job = bool(settings.job_id) and settings.mode != SyncMode.OFF
        needs_job = needs_job and not settings.disabled
        for member in members:
            email = (member.email or "").strip().lower()
            if not email:
                job.skipped_no_email += 1
                continue
            contact = await repo.upsert_contact(
                email, {"first_name": member.first_name, "last_name": member.last_name}
            )
            if await repo.membership(sequence.id, contact.id) is not None:
                job.already += 1
                continue
            membership = await repo.add_membership(sequence.id, contact.id, utcnow())
            await _link(repo, conn.id, contact.id, member)
            _mark_linked(membership, needs_job)
            job.added += 1


async def _link(repo: Repo, connection_id: int, contact_id: int, member: ListMember) -> None:
    """The contact is the CRM record it came from, unless it was linked earlier (a contact is
    linked at most once per connection, and an existing link is never replaced)."""
    if contact_id in await repo.links_for(connection_id, [contact_id]):
        return
    await repo.add_link(
        connection_id, contact_id, member.record_id, member.record_type, member.url, created=False
    )


def _mark_linked(membership: Membership, needs_job: bool) -> None:
    membership.dedup_state = None
    if needs_job:
        membership.sync_state = SyncState.PENDING
        membership.sync_reason = "Imported from a CRM list; joining the sequence's job."
    else:
        membership.sync_state = SyncState.SYNCED
        membership.sync_reason = "Imported from a CRM list (already in the CRM)."
        membership.synced_at = utcnow()


async def _sequence(repo: Repo, user_id: str, choice: SequenceChoice) -> Sequence:
    if choice.sequence_id is not None:
        sequence = await _sequence_by_id(repo, choice.sequence_id)
        if sequence is None or sequence.owner_user_id != user_id:
            raise ImportRefused("That sequence is not one of yours any more. Pick another.")
        return sequence
    name = " ".join((choice.new_name or "").split())
    if not name:
        raise ImportRefused("Pick a sequence or type a name for a new one.")
    existing = await repo.find_sequence(user_id, name)
    if existing is not None:
        return existing
    return await repo.upsert_sequence(f"crm-import-{uuid.uuid4().hex[:16]}", name, user_id)


async def _sequence_by_id(repo: Repo, sequence_id: int) -> Sequence | None:
    return await repo.session.scalar(
        select(Sequence).where(Sequence.workspace_id == repo.ws, Sequence.id == sequence_id)
    )


async def _running(session, connection_id: int) -> ListImport | None:
    return await session.scalar(
        select(ListImport).where(
            ListImport.connection_id == connection_id, ListImport.status == "running"
        )
    )


async def _expire_stale(session, connection_id: int) -> None:
    """An import whose worker died must not block the connection for ever."""
    await session.execute(
        update(ListImport)
        .where(
            ListImport.connection_id == connection_id,
            ListImport.status == "running",
            ListImport.started_at < utcnow() - STALE_AFTER,
        )
        .values(status="failed", reason="Stopped without finishing.", finished_at=utcnow())
    )


def _already_running(running: ListImport) -> str:
    return (
        f"An import is already running: “{running.list_name}” "
        f"({running.added + running.skipped_no_email + running.already} of {running.total} "
        "done). Only one list can be imported at a time; try again when it finishes."
    )


async def _get(session, workspace_id: str, import_id: int) -> ListImport:
    job = await session.scalar(
        select(ListImport).where(
            ListImport.workspace_id == workspace_id, ListImport.id == import_id
        )
    )
    if job is None:
        raise LookupError(f"no import {import_id}")
    return job


async def _load(db: Database, workspace_id: str, import_id: int) -> ListImport:
    async with db.session() as session:
        return await _get(session, workspace_id, import_id)


async def _update(db: Database, workspace_id: str, import_id: int, **values) -> None:
    async with db.session() as session:
        job = await _get(session, workspace_id, import_id)
        for name, value in values.items():
            setattr(job, name, value)


async def _finish(
    db: Database, workspace_id: str, import_id: int, status: str, reason: str | None
) -> ImportSummary:
    await _update(db, workspace_id, import_id, status=status, reason=reason, finished_at=utcnow())
    return await summary(db, workspace_id, import_id)


async def sequences_of(db: Database, workspace_id: str, user_id: str) -> list[tuple[int, str]]:
    """The teammate's sequences as ``(id, name)``, by name."""
    async with db.session() as session:
        rows = await session.execute(
            select(Sequence.id, Sequence.name)
            .where(Sequence.workspace_id == workspace_id, Sequence.owner_user_id == user_id)
            .order_by(Sequence.name, Sequence.id)
        )
        return [(sid, name) for sid, name in rows.all()]
