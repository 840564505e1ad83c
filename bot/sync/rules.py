"""PRODUCT.md section 4, rules 1-4, 7 and 9: what a trigger (add, reply, resync) does to a
membership.

Pure functions over rows, so the rules are testable without a database or a CRM.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bot.states import ConnectionStatus, DedupState, Reason, SyncMode, SyncState
from bot.storage.models import Connection, Membership, Sequence
from bot.sync import reasons

__all__ = [
    "EffectiveSettings",
    "ResyncSkip",
    "ResyncVerdict",
    "Trigger",
    "apply_resync",
    "apply_trigger",
    "effective_settings",
    "resync_verdict",
]


class Trigger(enum.StrEnum):
    ADD = "add"
    REPLY = "reply"
    RESYNC = "resync"


@dataclass(frozen=True, slots=True)
class EffectiveSettings:
    mode: SyncMode
    sync_as: str | None
    job_id: str | None
    disabled: bool


def effective_settings(sequence: Sequence, connection: Connection) -> EffectiveSettings:
    """Sequence override, else the owner's connection settings (rule 2)."""
    return EffectiveSettings(
        mode=SyncMode(sequence.sync_mode or connection.sync_mode),
        sync_as=sequence.sync_as or connection.sync_as,
        job_id=sequence.job_id or connection.default_job_id,
        disabled=sequence.sync_disabled,
    )


# States a new trigger may move on from; the others are settled or wait for a person.
_RETRIGGERABLE = {SyncState.WAITING, SyncState.SKIPPED, SyncState.NO_CONNECTION}


def apply_trigger(
    trigger: Trigger,
    membership: Membership,
    sequence: Sequence,
    connection: Connection | None,
    crm_name: str | None,
) -> None:
    """Move the membership to the state the settings give at the moment of the trigger."""
    if membership.sync_state not in _RETRIGGERABLE:
        return
    if connection is not None and connection.status == ConnectionStatus.DISCONNECTED:
        connection = None
    if connection is None:
        _set(membership, SyncState.NO_CONNECTION, reasons.no_connection())
        return
    settings = effective_settings(sequence, connection)
    if settings.disabled:
        _set(membership, SyncState.SKIPPED, reasons.sequence_disabled(sequence.name))
        return
    if trigger is Trigger.ADD and connection.dedup_enabled and membership.dedup_state is None:
        membership.dedup_state = DedupState.PENDING
    if settings.mode is SyncMode.OFF:
        _set(membership, SyncState.SKIPPED, reasons.mode_off(crm_name))
    elif settings.mode is SyncMode.ON_REPLY and membership.replied_at is None:
        _set(membership, SyncState.WAITING, reasons.waiting_for_reply(crm_name))
    elif membership.dedup_state == DedupState.EXISTS:
        _set(membership, SyncState.NEEDS_DECISION, reasons.needs_decision(crm_name))
    else:
        _set(membership, SyncState.PENDING, None)


def _set(membership: Membership, state: SyncState, reason: Reason | None) -> None:
    membership.sync_state = state
    membership.sync_reason = reason
    membership.next_attempt_at = None


# rule 9: resync ---------------------------------------------------------------------------


class ResyncSkip(enum.StrEnum):
    """Why a resync leaves a membership alone (``bot.views.resync`` words it)."""

    SYNCED = "synced"
    DISABLED = "disabled"
    MODE_OFF = "mode_off"
    NO_REPLY = "no_reply"
    FLAGGED = "flagged"
    DISMISSED = "dismissed"
    REMOVED = "removed"


@dataclass(frozen=True, slots=True)
class ResyncVerdict:
    skip: ResyncSkip | None

    @property
    def eligible(self) -> bool:
        return self.skip is None


def resync_verdict(
    membership: Membership, sequence: Sequence, connection: Connection, linked: bool
) -> ResyncVerdict:
    """Whether a resync syncs this membership: no link yet and it would sync under the
    current settings. Synced contacts and the teammate's pending decisions are never touched."""
    settings = effective_settings(sequence, connection)
    if linked or membership.sync_state == SyncState.SYNCED:
        skip: ResyncSkip | None = ResyncSkip.SYNCED
    elif membership.sync_state == SyncState.NEEDS_DECISION:
        skip = ResyncSkip.FLAGGED
    elif membership.sync_state == SyncState.DISMISSED:
        skip = ResyncSkip.DISMISSED
    elif membership.state == "removed":
        skip = ResyncSkip.REMOVED
    elif settings.disabled:
        skip = ResyncSkip.DISABLED
    elif settings.mode is SyncMode.OFF:
        skip = ResyncSkip.MODE_OFF
    elif settings.mode is SyncMode.ON_REPLY and membership.replied_at is None:
        skip = ResyncSkip.NO_REPLY
    else:
        skip = None
    return ResyncVerdict(skip)


def apply_resync(
    membership: Membership,
    sequence: Sequence,
    connection: Connection,
    crm_name: str,
    *,
    linked: bool,
    backfill: bool,
) -> ResyncVerdict:
    """The resync trigger: an eligible membership becomes due now (failed ones get a fresh
    set of tries); an ineligible one that is not settled gets the current reason."""
    verdict = resync_verdict(membership, sequence, connection, linked)
    if verdict.eligible:
        _set(membership, SyncState.PENDING, None)
        membership.sync_attempts = 0
        membership.backfill_activity = membership.backfill_activity or backfill
        if membership.dedup_state == DedupState.PENDING:
            # The resync preview already looked the email up and the teammate confirmed.
            membership.dedup_state = DedupState.CLEAR
        return verdict
    settled = {SyncState.SYNCED, SyncState.NEEDS_DECISION, SyncState.DISMISSED}
    if membership.sync_state in settled or verdict.skip is ResyncSkip.REMOVED:
        return verdict
    if verdict.skip is ResyncSkip.SYNCED:
        _set(membership, SyncState.SKIPPED, reasons.already_linked(crm_name))
    elif verdict.skip is ResyncSkip.DISABLED:
        _set(membership, SyncState.SKIPPED, reasons.sequence_disabled(sequence.name))
    elif verdict.skip is ResyncSkip.MODE_OFF:
        _set(membership, SyncState.SKIPPED, reasons.mode_off(crm_name))
    elif verdict.skip is ResyncSkip.NO_REPLY:
        _set(membership, SyncState.WAITING, reasons.waiting_for_reply(crm_name))
    return verdict
