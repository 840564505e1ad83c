"""Stored reasons (:class:`bot.states.Reason`) in words, for whichever surface shows them."""

from __future__ import annotations

from datetime import datetime

from bot.states import Reason
from bot.sync.reasons import Why

__all__ = ["reason_text"]

_WORDS: dict[str, str] = {
    Why.CRM_ANSWER: "{detail}",
    Why.NO_CONNECTION: (
        "The sequence owner has no CRM connected. Connect one with /crm connect, then resync."
    ),
    Why.SEQUENCE_DISABLED: "Syncing is disabled for the sequence “{sequence}”.",
    Why.MODE_OFF: "Sync mode is Off, so contacts are not sent to {crm}.",
    Why.WAITING_FOR_REPLY: "Waiting for a reply: contacts sync to {crm} when they reply.",
    Why.NEEDS_DECISION: (
        "Exists in {crm}: waiting for Keep syncing or Skip on the duplicate alert."
    ),
    Why.ALREADY_LINKED: (
        "Already synced to {crm} through another sequence; a resync leaves synced contacts alone."
    ),
    Why.CRM_REFUSED: "{crm} refused this contact: {detail}",
    Why.CRM_KEPT_FAILING: (
        "{crm} kept failing ({detail}) after {tries} tries. Retry with /crm resync."
    ),
    Why.CRM_NOT_ANSWERING: "{crm} is not answering ({detail}); retrying automatically.",
    Why.SKIPPED_BY: "Skipped by <@{user}> after the duplicate warning.",
    Why.IMPORTED: "Imported from a CRM list (already in the CRM).",
    Why.IMPORTED_JOINING_JOB: "Imported from a CRM list; joining the sequence's job.",
    Why.EXISTS_IN_CRM: "Exists in {crm}",
    Why.CONNECTION_REMOVED: "The connection was removed.",
    Why.DISCONNECTED_DURING_IMPORT: "you disconnected",
    Why.UNEXPECTED_ERROR: "an unexpected error",
    Why.STOPPED_UNFINISHED: "Stopped without finishing.",
    Why.NO_LISTS: "{crm} has no lists to import from.",
    Why.NO_SUCH_STATUS: "No status named exactly '{status}' in the CRM.",
    Why.ALREADY_STATUS: "Already {status}.",
    Why.ALREADY_PAST_STATUS: "Already past {status}.",
}


def reason_text(reason: Reason | None, unknown: str = "unknown reason") -> str:
    """The reason in words; ``unknown`` when there is none."""
    if reason is None:
        return unknown
    params = reason.params or {}
    match reason.code:
        case Why.LEGACY:
            return str(params.get("text") or unknown)
        case Why.PAUSED:
            until = datetime.fromisoformat(params["until"])
            return f"Paused until {until:%H:%M:%S} UTC: {params['detail']}"
        case Why.DISCONNECTED_BY:
            at = datetime.fromisoformat(params["at"])
            return f"Disconnected by <@{params['user']}> on {at:%Y-%m-%d %H:%M} UTC."
    words = _WORDS.get(reason.code)
    return words.format(**params) if words else reason.code
