"""The words of the domain every layer shares: where a membership, a connection and a
duplicate check stand, the sync modes and the team roles. Imports nothing, so the tables
(``bot.storage.models``) and the Block Kit views can both use them without one knowing the
other; and :class:`Reason`, the shape in which every "why" is stored."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ConnectionStatus", "DedupState", "Reason", "Role", "SyncMode", "SyncState"]


class Role(enum.StrEnum):
    OWNER = "owner"
    MANAGER = "manager"
    MEMBER = "member"


class ConnectionStatus(enum.StrEnum):
    ACTIVE = "active"
    NEEDS_REAUTH = "needs_reauth"
    DISCONNECTED = "disconnected"


class SyncMode(enum.StrEnum):
    OFF = "off"
    ON_ADD = "on_add"
    ON_REPLY = "on_reply"


class SyncState(enum.StrEnum):
    """Where a membership stands with the CRM; the row's reason code says why."""

    WAITING = "waiting"  # nothing to do until a trigger (reply) fires
    PENDING = "pending"  # due in the next pass of the owner's connection
    NEEDS_DECISION = "needs_decision"  # flagged duplicate; the teammate chooses keep or skip
    SYNCED = "synced"
    SKIPPED = "skipped"  # settings say no (mode off, sequence disabled); a later trigger re-checks
    DISMISSED = "dismissed"  # a teammate chose Skip on the duplicate warning; final
    FAILED = "failed"  # needs a person; the reason says what to fix
    NO_CONNECTION = "no_connection"  # the sequence owner has no CRM connected


class DedupState(enum.StrEnum):
    PENDING = "pending"
    CLEAR = "clear"
    EXISTS = "exists"  # flagged, waiting for the teammate's decision
    KEPT = "kept"  # flagged, and the teammate chose to keep syncing (link to the record)


@dataclass(frozen=True, slots=True)
class Reason:
    """Why something stands as it does, stored as a code with parameters (e.g.
    ``Reason("mode_off", {"crm": "Ashby"})``) and put into words only when shown
    (``bot.views.reasons``). The codes are :class:`bot.sync.reasons.Why`."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def __composite_values__(self) -> tuple[str, dict[str, Any]]:
        return self.code, self.params
