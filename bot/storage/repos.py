"""One workspace's queries, gathered: a :class:`Repo` is bound to a session (the unit of
work) and a workspace, and every query it runs filters on that workspace.

The queries themselves live per aggregate, each in its own module of ``bot.storage``
(:mod:`~bot.storage.connections`, :mod:`~bot.storage.sequences`,
:mod:`~bot.storage.memberships`, ...); queries across workspaces (what the clock looks for,
metrics, sign-in callbacks) are module functions there. Nothing outside ``bot.storage``
writes a query.
"""

from __future__ import annotations

from bot.storage.activity import Activities
from bot.storage.alerts import MAX_ALERT_ATTEMPTS, Alerts
from bot.storage.connections import Connections
from bot.storage.imports import ListImports
from bot.storage.links import Links
from bot.storage.mappings import Mappings
from bot.storage.memberships import Memberships
from bot.storage.oauth_states import OAuthStates
from bot.storage.scope import insert_ignore
from bot.storage.sequences import Sequences
from bot.storage.view_states import ViewStates
from bot.storage.workspaces import Workspaces

__all__ = ["MAX_ALERT_ATTEMPTS", "Repo", "insert_ignore"]


class Repo(
    Workspaces,
    Connections,
    OAuthStates,
    Sequences,
    Memberships,
    Links,
    Activities,
    Alerts,
    ListImports,
    Mappings,
    ViewStates,
):
    """Every query of one workspace, on one session."""
