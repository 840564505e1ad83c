"""Rule 9 as pure functions: who a resync takes, who it leaves and why."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.storage.models import Connection, DedupState, Membership, Sequence, SyncState
from bot.sync import reasons
from bot.sync.reasons import Why
from bot.sync.rules import ResyncSkip, Trigger, apply_resync, apply_trigger, resync_verdict

NOW = datetime(2026, 11, 23, tzinfo=UTC)


def conn(**kw) -> Connection:
    return Connection(**{"sync_mode": "on_add", "status": "active", "dedup_enabled": True, **kw})


def seq(**kw) -> Sequence:
    return Sequence(**{"name": "Q4", "sync_disabled": False, **kw})


def member(**kw) -> Membership:
    return Membership(
        **{
            "sync_state": SyncState.NO_CONNECTION,
            "state": "added",
            "sync_attempts": 0,
            "backfill_activity": False,
            **kw,
        }
    )


@pytest.mark.parametrize(
    ("membership", "sequence", "connection", "linked", "expected"),
    [
        (member(), seq(), conn(), False, None),
        (member(sync_state=SyncState.FAILED), seq(), conn(), False, None),
        (member(), seq(), conn(), True, ResyncSkip.SYNCED),
        (member(sync_state=SyncState.SYNCED), seq(), conn(), False, ResyncSkip.SYNCED),
        (member(), seq(sync_disabled=True), conn(), False, ResyncSkip.DISABLED),
        (member(), seq(sync_mode="off"), conn(), False, ResyncSkip.MODE_OFF),
        (member(), seq(), conn(sync_mode="on_reply"), False, ResyncSkip.NO_REPLY),
        (member(replied_at=NOW), seq(), conn(sync_mode="on_reply"), False, None),
        (member(sync_state=SyncState.NEEDS_DECISION), seq(), conn(), False, ResyncSkip.FLAGGED),
        (member(sync_state=SyncState.DISMISSED), seq(), conn(), False, ResyncSkip.DISMISSED),
        (member(state="removed"), seq(), conn(), False, ResyncSkip.REMOVED),
    ],
)
def test_resync_verdict(membership, sequence, connection, linked, expected) -> None:
    assert resync_verdict(membership, sequence, connection, linked).skip is expected


def test_apply_resync_marks_due_with_backfill_and_fresh_tries() -> None:
    m = member(
        sync_state=SyncState.FAILED,
        sync_attempts=8,
        sync_reason=reasons.crm_answer("boom"),
        dedup_state=DedupState.PENDING,
    )
    assert apply_resync(m, seq(), conn(), "Ashby", linked=False, backfill=True).eligible
    assert (m.sync_state, m.sync_reason, m.sync_attempts) == (SyncState.PENDING, None, 0)
    assert m.backfill_activity is True and m.dedup_state == DedupState.CLEAR


def test_apply_resync_writes_the_reason_but_leaves_settled_states() -> None:
    waiting = member()
    apply_resync(waiting, seq(sync_disabled=True), conn(), "Ashby", linked=False, backfill=True)
    assert waiting.sync_state == SyncState.SKIPPED
    assert waiting.sync_reason == reasons.sequence_disabled("Q4")
    assert waiting.backfill_activity is False
    synced = member(sync_state=SyncState.SYNCED)
    apply_resync(synced, seq(sync_disabled=True), conn(), "Ashby", linked=True, backfill=True)
    assert synced.sync_state == SyncState.SYNCED


def test_a_disconnected_connection_counts_as_none() -> None:
    m = member(sync_state=SyncState.WAITING)
    apply_trigger(Trigger.ADD, m, seq(), conn(status="disconnected"), "Ashby")
    assert m.sync_state == SyncState.NO_CONNECTION and m.sync_reason.code == Why.NO_CONNECTION


def test_apply_resync_explains_a_contact_linked_through_another_sequence() -> None:
    m = member()
    assert not apply_resync(m, seq(), conn(), "Ashby", linked=True, backfill=True).eligible
    assert m.sync_state == SyncState.SKIPPED and m.sync_reason == reasons.already_linked("Ashby")
