"""``/crm add``: its usage, and where the added contact stands."""

from __future__ import annotations

from bot.services.manual import Added
from bot.states import SyncState
from bot.views.reasons import reason_text

__all__ = ["NO_EMAIL", "NO_SEQUENCE", "USAGE", "added_message"]

USAGE = (
    "Usage: `/crm add <sequence> <email> [first last]`, "
    "e.g. `/crm add Senior Backend Q4 jane@acme.com Jane Doe`"
)
NO_EMAIL = f"I could not find an email address. {USAGE}"
NO_SEQUENCE = f"Which sequence? {USAGE}"

_STATE_WORDS = {
    SyncState.PENDING: "It will sync to {crm} in a moment.",
    SyncState.WAITING: "{reason}",
    SyncState.SKIPPED: "It will not sync: {reason}",
    SyncState.NO_CONNECTION: "{reason}",
    SyncState.SYNCED: "It is already synced to {crm}.",
    SyncState.NEEDS_DECISION: "{reason}",
    SyncState.DISMISSED: "{reason}",
    SyncState.FAILED: "It did not sync earlier: {reason}",
}


def added_message(added: Added) -> str:
    crm = added.crm or "your CRM"
    reason = reason_text(added.reason, unknown="")
    then = _STATE_WORDS[added.state].format(crm=crm, reason=reason)
    if added.checking_duplicates:
        then = f"Checking {crm} for duplicates first. {then}"
    return f"Added {added.email} to “{added.sequence}”. {then}".strip()
