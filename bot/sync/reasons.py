"""Why a membership, a connection, an import or a CRM write stands as it does: a code and its
parameters (:class:`bot.states.Reason`), stored as they are and put into words only when
shown (:mod:`bot.views.reasons`). Names of CRMs and sequences are parameters as they were at
the time, so a stored reason reads the same later.
"""

from __future__ import annotations

import enum
from datetime import datetime

from bot.states import Reason

__all__ = ["Reason", "Why"]


class Why(enum.StrEnum):
    """Every reason code, with the parameters it carries."""

    LEGACY = "legacy"  # text: a sentence stored before reasons were codes
    CRM_ANSWER = "crm_answer"  # detail: what the CRM answered, in the connector's words
    # memberships
    NO_CONNECTION = "no_connection"
    SEQUENCE_DISABLED = "sequence_disabled"  # sequence
    MODE_OFF = "mode_off"  # crm
    WAITING_FOR_REPLY = "waiting_for_reply"  # crm
    NEEDS_DECISION = "needs_decision"  # crm
    ALREADY_LINKED = "already_linked"  # crm
    CRM_REFUSED = "crm_refused"  # crm, detail
    CRM_KEPT_FAILING = "crm_kept_failing"  # crm, detail, tries
    CRM_NOT_ANSWERING = "crm_not_answering"  # crm, detail
    SKIPPED_BY = "skipped_by"  # user
    IMPORTED = "imported"
    IMPORTED_JOINING_JOB = "imported_joining_job"
    EXISTS_IN_CRM = "exists_in_crm"  # crm (a membership's flag)
    # connections
    PAUSED = "paused"  # until (ISO 8601), detail
    DISCONNECTED_BY = "disconnected_by"  # user, at (ISO 8601)
    CONNECTION_REMOVED = "connection_removed"
    # list imports
    DISCONNECTED_DURING_IMPORT = "disconnected_during_import"
    UNEXPECTED_ERROR = "unexpected_error"
    STOPPED_UNFINISHED = "stopped_unfinished"
    NO_LISTS = "no_lists"  # crm
    # status pushes
    NO_SUCH_STATUS = "no_such_status"  # status
    ALREADY_STATUS = "already_status"  # status
    ALREADY_PAST_STATUS = "already_past_status"  # status


def why(code: Why, **params: str | int) -> Reason:
    return Reason(str(code), dict(params))


def crm_answer(detail: str) -> Reason:
    return why(Why.CRM_ANSWER, detail=detail)


def no_connection() -> Reason:
    return why(Why.NO_CONNECTION)


def sequence_disabled(sequence_name: str) -> Reason:
    return why(Why.SEQUENCE_DISABLED, sequence=sequence_name)


def mode_off(crm: str | None) -> Reason:
    return why(Why.MODE_OFF, crm=crm or "")


def waiting_for_reply(crm: str | None) -> Reason:
    return why(Why.WAITING_FOR_REPLY, crm=crm or "")


def needs_decision(crm: str | None) -> Reason:
    return why(Why.NEEDS_DECISION, crm=crm or "")


def already_linked(crm: str | None) -> Reason:
    return why(Why.ALREADY_LINKED, crm=crm or "")


def exists_in(crm: str) -> Reason:
    return why(Why.EXISTS_IN_CRM, crm=crm)


def paused(until: datetime, detail: str) -> Reason:
    return why(Why.PAUSED, until=until.isoformat(), detail=detail)


def disconnected_by(user_id: str, at: datetime) -> Reason:
    return why(Why.DISCONNECTED_BY, user=user_id, at=at.isoformat())
