"""Roles (owner, manager, member) and cloning settings to teammates (PRODUCT.md rule 12).

Slack workspace owners and admins are always owners; anyone else has the role an owner granted
(stored per teammate), ``member`` by default.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from bot.connectors.registry import display_name
from bot.services.mapping import SavedMapping, add_version, latest_mapping
from bot.storage.db import Database
from bot.storage.models import AuditLog, Connection, MappingVersion, Role, Teammate
from bot.storage.repos import Repo, insert_ignore

__all__ = [
    "CLONED_SETTINGS",
    "CloneResult",
    "SlackUserLookup",
    "clone_settings",
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


async def role_of(db: Database, workspace_id: str, user_id: str, lookup: SlackUserLookup) -> Role:
    user = await lookup(user_id)
    if user and (user.get("is_owner") or user.get("is_admin") or user.get("is_primary_owner")):
        return Role.OWNER
    async with db.session() as session:
        stored = await session.scalar(
            select(Teammate.role).where(
                Teammate.workspace_id == workspace_id, Teammate.user_id == user_id
            )
        )
    return Role(stored) if stored else Role.MEMBER


async def set_role(db: Database, workspace_id: str, actor: str, user_id: str, role: Role) -> None:
    async with db.session() as session:
        repo = Repo(session, workspace_id)
        await repo.ensure_workspace()
        await session.execute(
            insert_ignore(
                session, Teammate, {"workspace_id": workspace_id, "user_id": user_id, "role": role}
            )
        )
        row = await session.get(Teammate, (workspace_id, user_id))
        row.role = role
        session.add(
            AuditLog(
                workspace_id=workspace_id,
                actor_user_id=actor,
                action="role.set",
                target=user_id,
                details={"role": str(role)},
            )
        )


@dataclass
class CloneResult:
    crm: str
    copied: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (user id, reason)
    mapping_versions: dict[str, int] = field(default_factory=dict)  # user id -> new version


def _skip_reason(
    user_id: str, actor: str, source: Connection, target: Connection | None
) -> str | None:
    if user_id == actor:
        return "that is you"
    if target is None:
        return "has no CRM connected"
    if target.kind != source.kind:
        return f"is connected to {display_name(target.kind)}, not {display_name(source.kind)}"
    return None


async def clone_settings(
    db: Database, workspace_id: str, actor: str, user_ids: Iterable[str]
) -> CloneResult:
    """Copy the actor's connection settings and latest mappings to each teammate connected to
    the same CRM; one audit row per teammate who received them."""
    async with db.session() as session:
        repo = Repo(session, workspace_id)
        source = await repo.connection_for(actor)
        if source is None:
            raise LookupError("You have no CRM connected, so there are no settings to copy.")
        result = CloneResult(crm=display_name(source.kind))
        mappings = await _latest_mappings(repo, source.id)
        for user_id in dict.fromkeys(user_ids):
            target = await repo.connection_for(user_id)
            reason = _skip_reason(user_id, actor, source, target)
            if reason:
                result.skipped.append((user_id, reason))
                continue
            assert target is not None
            copied = _copy_settings(source, target)
            versions = [
                await add_version(repo, target.id, rt, mapping.rows, actor)
                for rt, mapping in mappings.items()
            ]
            if versions:
                result.mapping_versions[user_id] = versions[-1]
            session.add(
                AuditLog(
                    workspace_id=workspace_id,
                    actor_user_id=actor,
                    action="settings.clone",
                    target=user_id,
                    details={
                        "crm": source.kind,
                        "from_connection": source.id,
                        "to_connection": target.id,
                        "settings": copied,
                        "mapping_versions": {
                            rt: {"from": m.version, "to": v}
                            for (rt, m), v in zip(mappings.items(), versions, strict=True)
                        },
                    },
                )
            )
            result.copied.append(user_id)
    return result


async def _latest_mappings(repo: Repo, connection_id: int) -> dict[str, SavedMapping]:
    """The latest mapping of each record type the connection has one for."""
    record_types = await repo.session.scalars(
        select(MappingVersion.record_type)
        .where(
            MappingVersion.workspace_id == repo.ws, MappingVersion.connection_id == connection_id
        )
        .distinct()
    )
    found = {}
    for record_type in sorted(record_types):
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
