"""A teammate's sequences: finding one by name or id, their counts, and their overrides
(PRODUCT.md rules 2-4): mode, sync-as, job, and the "disable sync" switch."""

from __future__ import annotations

import difflib
import html
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, case, func, select

from bot.storage import models as m
from bot.storage.db import Database
from bot.storage.models import SyncMode, SyncState
from bot.storage.repos import Repo
from bot.sync.rules import disabled_reason

__all__ = [
    "SequenceCounts",
    "SequenceNotFound",
    "SequenceOverrides",
    "count_sequences",
    "resolve_sequence",
    "save_overrides",
]


class SequenceNotFound(Exception):
    """No single sequence matches; ``reason`` names the close matches."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


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


@dataclass(frozen=True, slots=True)
class SequenceOverrides:
    sync_mode: SyncMode | None  # None: the teammate's default
    sync_as: str | None
    job_id: str | None
    job_name: str | None
    sync_disabled: bool


async def _owned(repo: Repo, user_id: str) -> list[m.Sequence]:
    rows = await repo.session.scalars(
        select(m.Sequence)
        .where(m.Sequence.workspace_id == repo.ws, m.Sequence.owner_user_id == user_id)
        .order_by(m.Sequence.name, m.Sequence.id)
    )
    return list(rows)


def _label(seq: m.Sequence) -> str:
    return f"“{seq.name}” (id `{seq.external_id}`)"


async def resolve_sequence(repo: Repo, user_id: str, text: str) -> m.Sequence:
    """The teammate's sequence whose outreach id or name (any case) is ``text``."""
    # Slash command text arrives escaped (&amp; &lt; &gt;) when the app escapes mentions.
    wanted = html.unescape(text).strip().strip("\"'“”").strip()
    if not wanted:
        raise SequenceNotFound("Which sequence? Give its name or id (`/crm sequences` lists them).")
    sequences = await _owned(repo, user_id)
    by_id = [s for s in sequences if s.external_id == wanted]
    if by_id:
        return by_id[0]
    exact = [s for s in sequences if s.name.lower() == wanted.lower()]
    if len(exact) == 1:
        return exact[0]
    if exact:
        listed = ", ".join(_label(s) for s in exact)
        raise SequenceNotFound(
            f"Several of your sequences are called “{wanted}”: {listed}. Use the id instead."
        )
    close = _close_matches(sequences, wanted)
    hint = (
        "Did you mean " + ", ".join(_label(s) for s in close) + "?"
        if close
        else "`/crm sequences` lists yours."
    )
    raise SequenceNotFound(f"You have no sequence named or with id “{wanted}”. {hint}")


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


def _count(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.sum(case((condition, 1), else_=0))


async def count_sequences(
    repo: Repo, user_id: str, sequence_ids: list[int] | None = None
) -> list[SequenceCounts]:
    """The teammate's sequences (by name) with membership counts by sync state."""
    ms = m.Membership
    query = (
        select(
            m.Sequence,
            func.count(ms.id),
            _count(ms.sync_state == SyncState.SYNCED),
            _count(ms.sync_state == SyncState.PENDING),
            _count(ms.sync_state == SyncState.FAILED),
            _count(ms.sync_state == SyncState.NEEDS_DECISION),
        )
        .outerjoin(ms, ms.sequence_id == m.Sequence.id)
        .where(m.Sequence.workspace_id == repo.ws, m.Sequence.owner_user_id == user_id)
        .group_by(m.Sequence.id)
        .order_by(m.Sequence.name, m.Sequence.id)
    )
    if sequence_ids is not None:
        query = query.where(m.Sequence.id.in_(sequence_ids))
    rows = await repo.session.execute(query)
    return [
        SequenceCounts(
            id=seq.id,
            external_id=seq.external_id,
            name=seq.name,
            sync_disabled=seq.sync_disabled,
            sync_mode=seq.sync_mode,
            contacts=total or 0,
            synced=synced or 0,
            pending=pending or 0,
            failed=failed or 0,
            flagged=flagged or 0,
        )
        for seq, total, synced, pending, failed, flagged in rows.all()
    ]


async def save_overrides(
    db: Database, workspace_id: str, user_id: str, sequence_id: int, overrides: SequenceOverrides
) -> m.Sequence:
    """Store the overrides. Contacts already synced keep their record and job (rule 4);
    contacts still queued in a sequence being disabled are held back now (rule 3)."""
    async with db.session() as session:
        repo = Repo(session, workspace_id)
        seq = await session.scalar(
            select(m.Sequence).where(
                m.Sequence.workspace_id == workspace_id,
                m.Sequence.id == sequence_id,
                m.Sequence.owner_user_id == user_id,
            )
        )
        if seq is None:
            raise SequenceNotFound("That sequence is not one of yours any more.")
        seq.sync_mode = overrides.sync_mode
        seq.sync_as = overrides.sync_as
        seq.job_id = overrides.job_id
        seq.job_name = overrides.job_name if overrides.job_id else None
        seq.sync_disabled = overrides.sync_disabled
        if seq.sync_disabled:
            await _hold_back_queued(repo, seq)
        return seq


async def _hold_back_queued(repo: Repo, seq: m.Sequence) -> None:
    queued = await repo.session.scalars(
        select(m.Membership).where(
            m.Membership.workspace_id == repo.ws,
            m.Membership.sequence_id == seq.id,
            m.Membership.sync_state.in_([SyncState.PENDING, SyncState.WAITING]),
        )
    )
    for membership in queued:
        membership.sync_state = SyncState.SKIPPED
        membership.sync_reason = disabled_reason(seq.name)
        membership.next_attempt_at = None
