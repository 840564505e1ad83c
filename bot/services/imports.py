"""Import a CRM list into a sequence (PRODUCT.md rule 13).

Members with an email join the sequence as memberships already linked to their CRM record
(they exist there, so nothing is created); members without one are counted and reported.
One import runs at a time per connection, which the database enforces (a partial unique index
on running imports), so two clicks or two workers cannot start a second one.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from bot import jobs
from bot.connectors.base import CrmList, ListMember, ListSource
from bot.connectors.errors import ConnectorError
from bot.services.context import ServiceContext
from bot.services.crms import crm, crm_name, crms
from bot.services.problems import NotConnected, Problem, Refused
from bot.services.settings import load_connection
from bot.states import Reason, SyncMode, SyncState
from bot.storage.imports import ImportRunning
from bot.storage.models import Membership, Sequence, utcnow
from bot.storage.repos import Repo
from bot.sync import reasons
from bot.sync.reasons import Why, why
from bot.sync.rules import effective_settings

__all__ = [
    "ImportForm",
    "ImportRefused",
    "ImportSummary",
    "SequenceChoice",
    "import_form",
    "list_choices",
    "run_import",
    "start_import",
]

log = logging.getLogger(__name__)

CHUNK = 50
STALE_AFTER = timedelta(minutes=30)
# Slack drops an options answer after 3 s.
OPTIONS_TIMEOUT = 2.5

Progress = Callable[["ImportSummary"], Awaitable[None]]


class ImportRefused(Refused):
    """The import cannot start."""


@dataclass(frozen=True)
class SequenceChoice:
    """An existing sequence of the teammate (by our id) or the name of a new one."""

    sequence_id: int | None = None
    new_name: str | None = None


@dataclass(frozen=True)
class ImportForm:
    crm: str
    sequences: list[tuple[int, str]]  # the teammate's, as (id, name), by name


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
    reason: Reason | None = None

    @property
    def processed(self) -> int:
        return self.added + self.skipped_no_email + self.already


# --- the modal --------------------------------------------------------------------------------


async def import_form(ctx: ServiceContext, workspace_id: str, user_id: str) -> ImportForm:
    """The import modal; :class:`Refused` when the teammate's CRM has no lists."""
    conn = await load_connection(ctx, workspace_id, user_id)
    info = crm(conn.kind)
    if info is None or not info.lists:
        with_lists = [c.name for c in crms() if c.lists]
        raise Refused(Problem.IMPORT_NEEDS_LISTS, crm=crm_name(conn.kind), with_lists=with_lists)
    async with ctx.db.session() as session:
        owned = await Repo(session, workspace_id).owned_sequences(user_id)
    return ImportForm(info.name, [(s.id, s.name) for s in owned])


async def list_choices(ctx: ServiceContext, workspace_id: str, user_id: str) -> list[CrmList]:
    """The CRM's lists for the external select; none when not connected or slow."""
    try:
        conn = await load_connection(ctx, workspace_id, user_id)
        connector = await ctx.connector_for(conn)
        try:
            if not isinstance(connector, ListSource):
                return []
            return await asyncio.wait_for(connector.list_lists(), OPTIONS_TIMEOUT)
        finally:
            await connector.aclose()
    except (NotConnected, ConnectorError, TimeoutError):
        return []


async def start_import(
    ctx: ServiceContext,
    workspace_id: str,
    user_id: str,
    list_id: str,
    list_name: str,
    choice: SequenceChoice,
) -> None:
    """Claim the connection's import slot, record the import and start it in the background."""
    async with ctx.db.session() as session:
        repo = Repo(session, workspace_id)
        conn = await repo.connection_for(user_id)
        if conn is None:
            raise NotConnected
        info = crm(conn.kind)
        if info is None or not info.lists:
            raise ImportRefused(Problem.NO_LISTS, crm=crm_name(conn.kind))
        await repo.expire_stale_imports(
            conn.id, utcnow() - STALE_AFTER, why(Why.STOPPED_UNFINISHED)
        )
        sequence = await _sequence(repo, user_id, choice)
        running = await repo.running_import(conn.id)
        if running is not None:
            raise ImportRefused(
                Problem.IMPORT_RUNNING,
                list=running.list_name,
                done=running.added + running.skipped_no_email + running.already,
                total=running.total,
            )
        try:
            import_id = await repo.add_running_import(
                conn.id, user_id, list_id, list_name, sequence.id
            )
        except ImportRunning:
            raise ImportRefused(Problem.IMPORT_RACE) from None
    await ctx.runner.submit(jobs.import_list(workspace_id, user_id, import_id))


async def _sequence(repo: Repo, user_id: str, choice: SequenceChoice) -> Sequence:
    if choice.sequence_id is not None:
        sequence = await repo.owned_sequence(choice.sequence_id, user_id)
        if sequence is None:
            raise ImportRefused(Problem.IMPORT_SEQUENCE_GONE)
        return sequence
    name = " ".join((choice.new_name or "").split())
    if not name:
        raise ImportRefused(Problem.IMPORT_UNNAMED)
    existing = await repo.find_sequence(user_id, name)
    if existing is not None:
        return existing
    return await repo.upsert_sequence(f"crm-import-{uuid.uuid4().hex[:16]}", name, user_id)


# --- the background work ----------------------------------------------------------------------


async def run_import(
    ctx: ServiceContext, workspace_id: str, user_id: str, import_id: int, progress: Progress
) -> ImportSummary | None:
    """Fetch the list's members and add them to the sequence, calling ``progress`` at the
    start and after every chunk; returns the final summary (None when a retried job finds
    the import finished already)."""
    try:
        conn = await load_connection(ctx, workspace_id, user_id)
    except NotConnected:
        await _finish(ctx, workspace_id, import_id, "failed", why(Why.DISCONNECTED_DURING_IMPORT))
        return None
    current = await summary(ctx, workspace_id, import_id)
    if current.status != "running":
        return None
    await progress(current)
    connector = await ctx.connector_for(conn)
    try:
        if not isinstance(connector, ListSource):
            no_lists = why(Why.NO_LISTS, crm=crm_name(conn.kind))
            result = await _finish(ctx, workspace_id, import_id, "failed", no_lists)
        else:
            result = await _import(ctx, connector, workspace_id, import_id, progress)
    except Exception:
        log.exception("import failed", extra={"import_id": import_id})
        unexpected = why(Why.UNEXPECTED_ERROR)
        result = await _finish(ctx, workspace_id, import_id, "failed", unexpected)
    finally:
        await connector.aclose()
    await ctx.runner.submit(jobs.tick())
    return result


async def _import(
    ctx: ServiceContext, source: ListSource, workspace_id: str, import_id: int, progress: Progress
) -> ImportSummary:
    try:
        job = await _load(ctx, workspace_id, import_id)
        members = await source.list_members(job.list_id)
    except ConnectorError as exc:
        failed = reasons.crm_answer(exc.reason)
        return await _finish(ctx, workspace_id, import_id, "failed", failed)
    await _update(ctx, workspace_id, import_id, total=len(members))
    for start in range(0, len(members), CHUNK):
        await _add_chunk(ctx, workspace_id, import_id, members[start : start + CHUNK])
        if start + CHUNK < len(members):
            await progress(await summary(ctx, workspace_id, import_id))
    return await _finish(ctx, workspace_id, import_id, "done", None)


async def summary(ctx: ServiceContext, workspace_id: str, import_id: int) -> ImportSummary:
    async with ctx.db.session() as session:
        repo = Repo(session, workspace_id)
        job = await _get(repo, import_id)
        conn = await repo.connection(job.connection_id)
        sequence = await repo.sequence(job.sequence_id)
        return ImportSummary(
            import_id=job.id,
            crm=crm_name(conn.kind) if conn else "the CRM",
            list_name=job.list_name,
            sequence_name=sequence.name if sequence else "?",
            status=job.status,
            total=job.total,
            added=job.added,
            skipped_no_email=job.skipped_no_email,
            already=job.already,
            reason=job.reason,
        )


async def _add_chunk(
    ctx: ServiceContext, workspace_id: str, import_id: int, members: list[ListMember]
) -> None:
    async with ctx.db.session() as session:
        repo = Repo(session, workspace_id)
        job = await _get(repo, import_id)
        conn = await repo.connection(job.connection_id)
        sequence = await repo.sequence(job.sequence_id)
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
        membership.sync_reason = why(Why.IMPORTED_JOINING_JOB)
    else:
        membership.sync_state = SyncState.SYNCED
        membership.sync_reason = why(Why.IMPORTED)
        membership.synced_at = utcnow()


async def _get(repo: Repo, import_id: int):
    job = await repo.list_import(import_id)
    if job is None:
        raise LookupError(f"no import {import_id}")
    return job


async def _load(ctx: ServiceContext, workspace_id: str, import_id: int):
    async with ctx.db.session() as session:
        return await _get(Repo(session, workspace_id), import_id)


async def _update(ctx: ServiceContext, workspace_id: str, import_id: int, **values) -> None:
    async with ctx.db.session() as session:
        job = await _get(Repo(session, workspace_id), import_id)
        for name, value in values.items():
            setattr(job, name, value)


async def _finish(
    ctx: ServiceContext, workspace_id: str, import_id: int, status: str, reason: Reason | None
) -> ImportSummary:
    await _update(ctx, workspace_id, import_id, status=status, reason=reason, finished_at=utcnow())
    return await summary(ctx, workspace_id, import_id)
