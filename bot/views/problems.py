"""Why a request was refused, in words: every :class:`~bot.services.problems.Problem`."""

from __future__ import annotations

from collections.abc import Sequence

from bot.services.problems import Problem, Refused
from bot.views.manual import USAGE as ADD_USAGE

__all__ = ["NOT_CONNECTED", "problem_text", "sequence_label"]

NOT_CONNECTED = "You have no CRM connected yet. Run `/crm connect` first."

_FIXED = {
    Problem.NOT_CONNECTED: NOT_CONNECTED,
    Problem.CLONE_NOT_ALLOWED: (
        "Only owners and managers can copy settings to teammates. "
        "Ask a workspace owner to make you a manager with `/crm role @you manager`."
    ),
    Problem.ROLE_NOT_ALLOWED: "Only owners (Slack workspace owners and admins) can change roles.",
    Problem.ROLE_USAGE: "Usage: `/crm role @teammate manager` or `/crm role @teammate member`.",
    Problem.SEQUENCE_UNNAMED: "Which sequence? Give its name or id (`/crm sequences` lists them).",
    Problem.SEQUENCE_NOT_YOURS: "That sequence is not one of yours any more.",
    Problem.IMPORT_SEQUENCE_GONE: "That sequence is not one of yours any more. Pick another.",
    Problem.IMPORT_UNNAMED: "Pick a sequence or type a name for a new one.",
    Problem.IMPORT_RACE: "An import is already running for your connection. Wait for it to finish.",
    Problem.DECISION_GONE: "That contact is no longer in the sequence.",
    Problem.DECISION_NOT_FLAGGED: "This contact was not flagged as a duplicate.",
    Problem.DECISION_ALREADY_SYNCED: "This contact has already been synced.",
}

_WITH_PARAMS = {
    Problem.NEEDS_RECONNECT: (
        "Your {crm} connection needs reconnecting first: `/crm connect {kind}`."
    ),
    Problem.NO_MAPPING: "{crm} does not support custom field mapping yet.",
    Problem.NO_LISTS: "{crm} has no lists to import from.",
    Problem.CRM_SAID: "{detail}",
    Problem.UNKNOWN_USER: "Slack does not know <@{user}>.",
    Problem.ALWAYS_OWNER: (
        "<@{user}> is a Slack workspace owner or admin, and so always an owner here."
    ),
    Problem.CRM_SLOW: "{crm} did not answer in time. Please try again in a moment.",
    Problem.CRM_UNREACHABLE: "I could not ask {crm}: {detail}",
    Problem.IMPORT_RUNNING: (
        "An import is already running: “{list}” ({done} of {total} done). Only one list can be "
        "imported at a time; try again when it finishes."
    ),
}


def sequence_label(name: str, external_id: str) -> str:
    return f"“{name}” (id `{external_id}`)"


def _labels(pairs: Sequence[Sequence[str]]) -> str:
    return ", ".join(sequence_label(name, external_id) for name, external_id in pairs)


def problem_text(refused: Refused) -> str:
    problem, params = refused.problem, refused.params
    if problem in _FIXED:
        return _FIXED[problem]
    if problem in _WITH_PARAMS:
        return _WITH_PARAMS[problem].format(**params)
    if problem is Problem.SEQUENCE_AMBIGUOUS:
        return (
            f"Several of your sequences are called “{params['wanted']}”: "
            f"{_labels(params['matches'])}. Use the id instead."
        )
    if problem is Problem.SEQUENCE_NOT_FOUND:
        close = params["close"]
        hint = f"Did you mean {_labels(close)}?" if close else "`/crm sequences` lists yours."
        return f"You have no sequence named or with id “{params['wanted']}”. {hint}"
    if problem is Problem.IMPORT_NEEDS_LISTS:
        names = params["with_lists"]
        where = f" It works with {', '.join(names)}." if names else ""
        return f"`/crm import` needs a CRM with lists, and {params['crm']} has none.{where}"
    if problem is Problem.INVALID_EMAIL:
        return f"`{params['email']}` is not a valid email address. {ADD_USAGE}"
    raise ValueError(problem)
