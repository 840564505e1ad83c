"""PRODUCT.md section 4, rules 1-4 and 7: what a trigger does to a membership.

Pure functions over rows, so the rules are testable without a database or a CRM.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bot.storage.models import Connection, DedupState, Membership, Sequence, SyncMode, SyncState

__all__ = ["EffectiveSettings", "Trigger", "apply_trigger", "effective_settings"]


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
    if connection is None:
        _set(
            membership,
            SyncState.NO_CONNECTION,
            "The sequence owner has no CRM connected. Connect one with /crm connect, then resync.",
        )
        return
    settings = effective_settings(sequence, connection)
    if settings.disabled:
        _set(
            membership,
            SyncState.SKIPPED,
            f"Syncing is disabled for the sequence “{sequence.name}”.",
        )
        return
    if trigger is Trigger.ADD and connection.dedup_enabled and membership.dedup_state is None:
        membership.dedup_state = DedupState.PENDING
    if settings.mode is SyncMode.OFF:
        _set(
            membership,
            SyncState.SKIPPED,
            f"Sync mode is Off, so contacts are not sent to {crm_name}.",
        )
    elif settings.mode is SyncMode.ON_REPLY and membership.replied_at is None:
        _set(
            membership,
            SyncState.WAITING,
            f"Waiting for a reply: contacts sync to {crm_name} when they reply.",
        )
    elif membership.dedup_state == DedupState.EXISTS:
        _set(membership, SyncState.NEEDS_DECISION, needs_decision_reason(crm_name))
    else:
        _set(membership, SyncState.PENDING, None)


def needs_decision_reason(crm_name: str | None) -> str:
    return f"Exists in {crm_name}: waiting for Keep syncing or Skip on the duplicate alert."


def _set(membership: Membership, state: SyncState, reason: str | None) -> None:
    membership.sync_state = state
    membership.sync_reason = reason
    membership.next_attempt_at = None
