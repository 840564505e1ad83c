"""Roles (owner, manager, member) and cloning settings to teammates (PRODUCT.md rule 12).

Slack workspace owners and admins are always owners; anyone else has the role an owner granted
(stored per teammate), ``member`` by default.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.services.context import ServiceContext
from bot.services.crms import crm_name
from bot.services.problems import NotConnected, Problem, Refused
from bot.states import ConnectionStatus, Role
from bot.storage.models import Connection
from bot.storage.repos import Repo
from bot.sync.mapping import SavedMapping, latest_mapping, save_version

__all__ = [
    "CLONED_SETTINGS",
    "CloneResult",
    "CloneSkip",
    "SlackUserLookup",
    "clone_settings",
    "clone_target",
    "role_of",
    "set_role",
]

# Connection settings "clone" copies: everything a teammate sets, never credentials or status.
# Sequence overrides belong to each sequence and are not copied.
CLONED_SETTINGS = (
    "sync_mode",
    "sync_as",
    "dedup_enabled",
    "activity_enabled",
    "default_job_id",
    "default_job_name",
    "alert_channel_id",
    "status_advance_enabled",  # Crelate; copied when the column exists
)

# users.info for a Slack user id → the ``user`` object, or None when Slack does not know them.
SlackUserLookup = Callable[[str], Awaitable[dict[str, Any] | None]]


class CloneSkip(enum.StrEnum):
    YOURSELF = "yourself"
    NOT_CONNECTED = "not_connected"
    OTHER_CRM = "other_crm"  # with the teammate's CRM


@dataclass
class CloneResult:
    crm: str
    copied: list[str] = field(default_factory=list)
    # (user id, why, the teammate's CRM when it is another one)
    skipped: list[tuple[str, CloneSkip, str | None]] = field(default_factory=list)
    mapping_versions: dict[str, int] = field(default_factory=dict)  # user id -> new version


def _workspace_owner(user: dict[str, Any] | None) -> bool:
    return bool(
        user and (user.get("is_owner") or user.get("is_admin") or user.get("is_primary_owner"))
    )


async def role_of(
    ctx: ServiceContext, workspace_id: str, user_id: str, lookup: SlackUserLookup
) -> Role:
    if _workspace_owner(await lookup(user_id)):
        return Role.OWNER
    async with ctx.db.session() as session:
        stored = await Repo(session, workspace_id).stored_role(user_id)
    return Role(stored) if stored else Role.MEMBER


async def _may_clone(
    ctx: ServiceContext, workspace_id: str, actor: str, lookup: SlackUserLookup
) -> None:
    if await role_of(ctx, workspace_id, actor, lookup) not in (Role.OWNER, Role.MANAGER):
        raise Refused(Problem.CLONE_NOT_ALLOWED)


async def set_role(
    ctx: ServiceContext,
    workspace_id: str,
    actor: str,
    change: tuple[str, Role] | None,
    lookup: SlackUserLookup,
) -> None:
    """Owners make a teammate (``change``: user id and role; None when the command did not
    say) a manager or a member; Slack's owners and admins stay owners."""
    if await role_of(ctx, workspace_id, actor, lookup) != Role.OWNER:
        raise Refused(Problem.ROLE_NOT_ALLOWED)
    if change is None:
        raise Refused(Problem.ROLE_USAGE)
    user_id, role = change
    target = await lookup(user_id)
    if target is None:
        raise Refused(Problem.UNKNOWN_USER, user=user_id)
    if target.get("is_owner") or target.get("is_admin"):
        raise Refused(Problem.ALWAYS_OWNER, user=user_id)
    async with ctx.db.session() as session:
        repo = Repo(session, workspace_id)
        await repo.ensure_workspace()
        await repo.set_role(user_id, role)
        repo.audit(actor, "role.set", user_id, {"role": str(role)})


def _skip(
    user_id: str, actor: str, source: Connection, target: Connection | None
) -> tuple[str, CloneSkip, str | None] | None:
    if user_id == actor:
        return user_id, CloneSkip.YOURSELF, None
    if target is None:
        return user_id, CloneSkip.NOT_CONNECTED, None
    if target.kind != source.kind:
        return user_id, CloneSkip.OTHER_CRM, crm_name(target.kind)
    return None


async def clone_target(
    ctx: ServiceContext, workspace_id: str, actor: str, lookup: SlackUserLookup
) -> str:
    """The CRM whose settings the actor may copy; :class:`Refused` when they may not (not an
    owner or manager) and :class:`NotConnected` when there is nothing to copy."""
    await _may_clone(ctx, workspace_id, actor, lookup)
    async with ctx.db.session() as session:
        source = await Repo(session, workspace_id).connection_for(actor)
    if source is None or source.status == ConnectionStatus.DISCONNECTED:
        raise NotConnected
    return crm_name(source.kind)


async def clone_settings(
    ctx: ServiceContext,
    workspace_id: str,
    actor: str,
    user_ids: Iterable[str],
    lookup: SlackUserLookup,
) -> CloneResult:
    """Copy the actor's connection settings and latest mappings to each teammate connected to
    the same CRM; one audit row per teammate who received them."""
    await _may_clone(ctx, workspace_id, actor, lookup)
    async with ctx.db.session() as session:
        repo = Repo(session, workspace_id)
        source = await repo.connection_for(actor)
        if source is None:
            raise NotConnected
        result = CloneResult(crm=crm_name(source.kind))
        mappings = await _latest_mappings(repo, source.id)
        for user_id in dict.fromkeys(user_ids):
            target = await repo.connection_for(user_id)
            skipped = _skip(user_id, actor, source, target)
            if skipped:
                result.skipped.append(skipped)
                continue
            assert target is not None
            await _clone_to(repo, actor, source, target, mappings, result)
    return result


async def _clone_to(
    repo: Repo,
    actor: str,
    source: Connection,
    target: Connection,
    mappings: dict[str, SavedMapping],
    result: CloneResult,
) -> None:
    copied = _copy_settings(source, target)
    versions = [
        await save_version(repo, target.id, rt, mapping.rows, actor)
        for rt, mapping in mappings.items()
    ]
    if versions:
        result.mapping_versions[target.user_id] = versions[-1]
    details = {
        "crm": source.kind,
        "from_connection": source.id,
        "to_connection": target.id,
        "settings": copied,
        "mapping_versions": {
            rt: {"from": m.version, "to": v}
            for (rt, m), v in zip(mappings.items(), versions, strict=True)
        },
    }
    repo.audit(actor, "settings.clone", target.user_id, details)
    result.copied.append(target.user_id)


async def _latest_mappings(repo: Repo, connection_id: int) -> dict[str, SavedMapping]:
    """The latest mapping of each record type the connection has one for."""
    found = {}
    for record_type in await repo.mapped_record_types(connection_id):
        mapping = await latest_mapping(repo, connection_id, record_type)
        if mapping is not None:
            found[record_type] = mapping
    return found


def _copy_settings(source: Connection, target: Connection) -> dict[str, Any]:
    copied = {}
    for name in CLONED_SETTINGS:
        if hasattr(source, name) and hasattr(target, name):
            value = getattr(source, name)
            setattr(target, name, value)
            copied[name] = value
    return copied
