"""A teammate's sequences: finding one by name or id, their counts, and their overrides
(PRODUCT.md rules 2-4): mode, sync-as, job, and the "disable sync" switch."""

from __future__ import annotations

import difflib
import html
from dataclasses import dataclass

from bot.services.context import ServiceContext
from bot.services.crms import crm, crm_name
from bot.services.problems import NotConnected, Problem, Refused
from bot.services.settings import find_connection
from bot.states import SyncMode, SyncState
from bot.storage import models as m
from bot.storage.models import Connection
from bot.storage.repos import Repo
from bot.sync import reasons

__all__ = [
    "SavedOverrides",
    "SequenceCounts",
    "SequenceForm",
    "SequenceNotFound",
    "SequenceOverrides",
    "SequencesList",
    "count_sequences",
    "edit_sequence",
    "list_sequences",
    "open_sequence",
    "resolve_sequence",
    "save_overrides",
]


class SequenceNotFound(Refused):
    """No single sequence of the teammate matches (the close matches are in ``params``)."""


@dataclass(frozen=True, slots=True)
class SequenceCounts:
    id: int
    external_id: str
    name: str
    sync_disabled: bool
    sync_mode: str | None
    contacts: int = 0
    synced: int = 0
    pending: int = 0
    failed: int = 0
    flagged: int = 0


@dataclass(frozen=True)
class SequencesList:
    rows: list[SequenceCounts]
    crm: str | None  # the CRM they sync to, when connected


@dataclass(frozen=True)
class SequenceForm:
    sequence_id: int
    name: str
    external_id: str
    crm: str
    contacts: int
    default_mode: str
    sync_mode: str | None
    record_types: tuple[str, ...]
    default_sync_as: str | None
    sync_as: str | None
    supports_jobs: bool
    job_id: str | None
    job_name: str | None
    default_job_name: str | None
    disabled: bool


@dataclass(frozen=True, slots=True)
class SequenceOverrides:
    sync_mode: SyncMode | None  # None: the teammate's default
    sync_as: str | None
    job_id: str | None
    job_name: str | None
    sync_disabled: bool


@dataclass(frozen=True)
class SavedOverrides:
    name: str
    disabled: bool


async def resolve_sequence(repo: Repo, user_id: str, text: str) -> m.Sequence:
    """The teammate's sequence whose outreach id or name (any case) is ``text``."""
    # Slash command text arrives escaped (&amp; &lt; &gt;) when the app escapes mentions.
    wanted = html.unescape(text).strip().strip("\"'“”").strip()
    if not wanted:
        raise SequenceNotFound(Problem.SEQUENCE_UNNAMED)
    sequences = await repo.owned_sequences(user_id)
    by_id = [s for s in sequences if s.external_id == wanted]
    if by_id:
        return by_id[0]
    exact = [s for s in sequences if s.name.lower() == wanted.lower()]
    if len(exact) == 1:
        return exact[0]
    if exact:
        raise SequenceNotFound(Problem.SEQUENCE_AMBIGUOUS, wanted=wanted, matches=_pairs(exact))
    close = _close_matches(sequences, wanted)
    raise SequenceNotFound(Problem.SEQUENCE_NOT_FOUND, wanted=wanted, close=_pairs(close))


def _pairs(sequences: list[m.Sequence]) -> list[tuple[str, str]]:
    return [(s.name, s.external_id) for s in sequences]


def _close_matches(sequences: list[m.Sequence], wanted: str, limit: int = 5) -> list[m.Sequence]:
    needle = wanted.lower()
    contains = [s for s in sequences if needle in s.name.lower() or needle in s.external_id]
    names = {s.name.lower(): s for s in sequences}
    similar = [names[n] for n in difflib.get_close_matches(needle, list(names), n=limit)]
    picked: list[m.Sequence] = []
    for seq in contains + similar:
        if seq not in picked:
            picked.append(seq)
    return picked[:limit]


async def count_sequences(
    repo: Repo, user_id: str, sequence_ids: list[int] | None = None
) -> list[SequenceCounts]:
    """The teammate's sequences (by name) with membership counts by sync state."""
    return [
        SequenceCounts(seq.id, seq.external_id, seq.name, seq.sync_disabled, seq.sync_mode, *counts)
        for seq, *counts in await repo.sequence_totals(user_id, sequence_ids)
    ]


async def list_sequences(ctx: ServiceContext, workspace_id: str, user_id: str) -> SequencesList:
    async with ctx.db.session() as session:
        repo = Repo(session, workspace_id)
        rows = await count_sequences(repo, user_id)
    conn = await find_connection(ctx, workspace_id, user_id)
    return SequencesList(rows, crm_name(conn.kind) if conn and crm(conn.kind) else None)


async def open_sequence(
    ctx: ServiceContext, workspace_id: str, user_id: str, text: str
) -> SequenceForm:
    """The modal of the teammate's sequence named (or with the id) ``text``."""
    conn = await find_connection(ctx, workspace_id, user_id)
    if conn is None:
        raise NotConnected
    async with ctx.db.session() as session:
        repo = Repo(session, workspace_id)
        seq = await resolve_sequence(repo, user_id, text)
        return await _form(repo, conn, seq)


async def edit_sequence(
    ctx: ServiceContext, workspace_id: str, user_id: str, sequence_id: int
) -> SequenceForm | None:
    """The modal of one of the teammate's sequences by our id; None when it is not theirs."""
    conn = await find_connection(ctx, workspace_id, user_id)
    if conn is None:
        return None
    async with ctx.db.session() as session:
        repo = Repo(session, workspace_id)
        seq = await repo.owned_sequence(sequence_id, user_id)
        return await _form(repo, conn, seq) if seq else None


async def _form(repo: Repo, conn: Connection, seq: m.Sequence) -> SequenceForm:
    [counts] = await count_sequences(repo, conn.user_id, [seq.id])
    info = crm(conn.kind)
    assert info is not None, conn.kind
    return SequenceForm(
        sequence_id=seq.id,
        name=seq.name,
        external_id=seq.external_id,
        crm=info.name,
        contacts=counts.contacts,
        default_mode=conn.sync_mode,
        sync_mode=seq.sync_mode,
        record_types=info.record_types,
        default_sync_as=conn.sync_as,
        sync_as=seq.sync_as,
        supports_jobs=info.jobs,
        job_id=seq.job_id,
        job_name=seq.job_name,
        default_job_name=conn.default_job_name,
        disabled=seq.sync_disabled,
    )


async def save_overrides(
    ctx: ServiceContext,
    workspace_id: str,
    user_id: str,
    sequence_id: int,
    overrides: SequenceOverrides,
) -> SavedOverrides:
    """Store the overrides. Contacts already synced keep their record and job (rule 4);
    contacts still queued in a sequence being disabled are held back now (rule 3)."""
    conn = await find_connection(ctx, workspace_id, user_id)
    info = crm(conn.kind) if conn else None
    if info is None:
        raise NotConnected
    async with ctx.db.session() as session:
        repo = Repo(session, workspace_id)
        seq = await repo.owned_sequence(sequence_id, user_id)
        if seq is None:
            raise SequenceNotFound(Problem.SEQUENCE_NOT_YOURS)
        seq.sync_mode = overrides.sync_mode
        seq.sync_as = overrides.sync_as if overrides.sync_as in info.record_types else None
        seq.job_id = overrides.job_id
        seq.job_name = overrides.job_name if overrides.job_id else None
        seq.sync_disabled = overrides.sync_disabled
        if seq.sync_disabled:
            for membership in await repo.queued_in_sequence(seq.id):
                membership.sync_state = SyncState.SKIPPED
                membership.sync_reason = reasons.sequence_disabled(seq.name)
                membership.next_attempt_at = None
        return SavedOverrides(seq.name, seq.sync_disabled)
