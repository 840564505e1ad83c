"""Why a use case said no: a :class:`Refused` exception carrying a :class:`Problem` code and
its parameters. Services raise it; ``bot.views.problems`` puts it into words."""

from __future__ import annotations

import enum
from typing import Any

__all__ = ["NotConnected", "Problem", "Refused"]


class Problem(enum.StrEnum):
    NOT_CONNECTED = "not_connected"
    NEEDS_RECONNECT = "needs_reconnect"  # crm, kind
    NO_MAPPING = "no_mapping"  # crm: the CRM has no custom field mapping
    NO_LISTS = "no_lists"  # crm
    IMPORT_NEEDS_LISTS = "import_needs_lists"  # crm, with_lists: names of CRMs that have some
    CRM_SAID = "crm_said"  # detail: the CRM's (or its connector's) own words
    CRM_SLOW = "crm_slow"  # crm
    CRM_UNREACHABLE = "crm_unreachable"  # crm, detail
    INVALID_EMAIL = "invalid_email"  # email
    SEQUENCE_UNNAMED = "sequence_unnamed"
    SEQUENCE_AMBIGUOUS = "sequence_ambiguous"  # wanted, matches: [[name, id], ...]
    SEQUENCE_NOT_FOUND = "sequence_not_found"  # wanted, close: [[name, id], ...]
    SEQUENCE_NOT_YOURS = "sequence_not_yours"
    IMPORT_SEQUENCE_GONE = "import_sequence_gone"
    IMPORT_UNNAMED = "import_unnamed"
    IMPORT_RUNNING = "import_running"  # list, done, total
    IMPORT_RACE = "import_race"
    DECISION_GONE = "decision_gone"
    DECISION_NOT_FLAGGED = "decision_not_flagged"
    DECISION_ALREADY_SYNCED = "decision_already_synced"
    CLONE_NOT_ALLOWED = "clone_not_allowed"
    ROLE_NOT_ALLOWED = "role_not_allowed"
    ROLE_USAGE = "role_usage"
    UNKNOWN_USER = "unknown_user"  # user
    ALWAYS_OWNER = "always_owner"  # user


class Refused(Exception):
    def __init__(self, problem: Problem, **params: Any):
        super().__init__(f"{problem}: {params}" if params else str(problem))
        self.problem = problem
        self.params = params


class NotConnected(Refused):
    """The teammate has no CRM connected."""

    def __init__(self) -> None:
        super().__init__(Problem.NOT_CONNECTED)
