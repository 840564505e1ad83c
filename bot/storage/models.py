"""Tables. Every tenant table carries ``workspace_id``; repositories always filter on it.

Sync state lives here, not in the task engine: a pass only needs "run connection X" and
finds its work in these rows, so retries and restarts lose nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, composite, mapped_column
from sqlalchemy.types import TypeDecorator

# The domain's states live in bot.states; importing them from here keeps working.
from bot.states import (  # noqa: F401
    ConnectionStatus,
    DedupState,
    Reason,
    Role,
    SyncMode,
    SyncState,
)

REASON_CODE = String(48)


def reason_columns(code: str, params: str) -> Any:
    """A :class:`Reason` over its two columns. The class comes from the ``Mapped[Reason |
    None]`` annotation, which is also what makes an empty pair read as ``None``."""
    return composite(code, params)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes on every backend (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UtcDateTime, dict[str, Any]: JSON}


class Workspace(Base):
    __tablename__ = "workspaces"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # Slack team id
    name: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Teammate(Base):
    __tablename__ = "teammates"

    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), default=Role.MEMBER)


class Connection(Base):
    """One teammate's link to one CRM, with that connection's settings."""

    __tablename__ = "connections"
    __table_args__ = (UniqueConstraint("workspace_id", "user_id", name="uq_connection_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), index=True)
    user_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    credentials: Mapped[str] = mapped_column(Text)  # encrypted, "v1:<key id>:<token>"
    status: Mapped[str] = mapped_column(String(16), default=ConnectionStatus.ACTIVE)
    status_reason_code: Mapped[str | None] = mapped_column(REASON_CODE)
    status_reason_params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status_reason: Mapped[Reason | None] = reason_columns(
        "status_reason_code", "status_reason_params"
    )
    identity: Mapped[str | None] = mapped_column(String(255))
    connected_at: Mapped[datetime] = mapped_column(default=utcnow)
    paused_until: Mapped[datetime | None] = mapped_column()
    last_pass_at: Mapped[datetime | None] = mapped_column()

    sync_mode: Mapped[str] = mapped_column(String(16), default=SyncMode.ON_ADD)
    sync_as: Mapped[str | None] = mapped_column(String(64))
    dedup_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    activity_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    default_job_id: Mapped[str | None] = mapped_column(String(128))
    default_job_name: Mapped[str | None] = mapped_column(String(255))
    alert_channel_id: Mapped[str | None] = mapped_column(String(32))
    # Crelate status advance (PRODUCT rule 11). ``status_warning`` holds the missing status
    # names the teammate was last warned about, so the warning goes out once, not per contact.
    status_advance: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    status_warning: Mapped[str | None] = mapped_column(Text)


class Sequence(Base):
    __tablename__ = "sequences"
    __table_args__ = (UniqueConstraint("workspace_id", "external_id", name="uq_sequence_ext"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), index=True)
    external_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    owner_user_id: Mapped[str] = mapped_column(String(32))
    sync_mode: Mapped[str | None] = mapped_column(String(16))
    sync_as: Mapped[str | None] = mapped_column(String(64))
    job_id: Mapped[str | None] = mapped_column(String(128))
    job_name: Mapped[str | None] = mapped_column(String(255))
    sync_disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Contact(Base):
    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("workspace_id", "email", name="uq_contact_email"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    first_name: Mapped[str | None] = mapped_column(String(255))
    last_name: Mapped[str | None] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(String(255))
    company: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(64))
    linkedin_url: Mapped[str | None] = mapped_column(String(512))
    location: Mapped[str | None] = mapped_column(String(255))
    custom: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Membership(Base):
    """A contact in a sequence, and where it stands with the owner's CRM."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("sequence_id", "contact_id", name="uq_membership"),
        Index("ix_membership_sync", "workspace_id", "sync_state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    sequence_id: Mapped[int] = mapped_column(ForeignKey("sequences.id"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="added")
    sentiment: Mapped[str | None] = mapped_column(String(32))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    replied_at: Mapped[datetime | None] = mapped_column()

    sync_state: Mapped[str] = mapped_column(String(16), default=SyncState.WAITING)
    sync_reason_code: Mapped[str | None] = mapped_column(REASON_CODE)
    sync_reason_params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    sync_reason: Mapped[Reason | None] = reason_columns("sync_reason_code", "sync_reason_params")
    sync_attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    synced_at: Mapped[datetime | None] = mapped_column()

    dedup_state: Mapped[str | None] = mapped_column(String(16))
    flag_code: Mapped[str | None] = mapped_column(REASON_CODE)  # e.g. exists_in_crm
    flag_params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    flag: Mapped[Reason | None] = reason_columns("flag_code", "flag_params")
    flag_record_id: Mapped[str | None] = mapped_column(String(128))
    flag_record_url: Mapped[str | None] = mapped_column(String(1024))
    # Set by a resync with backfill: this membership's activity from before the connection
    # was made is written too (normal syncing only writes activity since the connection).
    backfill_activity: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Activity(Base):
    __tablename__ = "activities"
    # Event ids are the outreach tool's, unique only within one team.
    __table_args__ = (UniqueConstraint("workspace_id", "event_id", name="uq_activity_event"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"), index=True)
    event_id: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column()
    subject: Mapped[str | None] = mapped_column(Text)
    snippet: Mapped[str | None] = mapped_column(Text)
    sentiment: Mapped[str | None] = mapped_column(String(32))


class SyncLink(Base):
    """Contact ↔ CRM record, per connection. The unique key is the no-duplicates guarantee."""

    __tablename__ = "sync_links"
    __table_args__ = (UniqueConstraint("connection_id", "contact_id", name="uq_sync_link"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    crm_record_id: Mapped[str] = mapped_column(String(128))
    record_type: Mapped[str] = mapped_column(String(64))
    record_url: Mapped[str | None] = mapped_column(String(1024))
    created_in_crm: Mapped[bool] = mapped_column(Boolean)
    mapping_version: Mapped[int | None] = mapped_column(Integer)
    synced_at: Mapped[datetime] = mapped_column(default=utcnow)


class JobAssignment(Base):
    __tablename__ = "job_assignments"
    __table_args__ = (UniqueConstraint("sync_link_id", "job_id", name="uq_job_assignment"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    sync_link_id: Mapped[int] = mapped_column(ForeignKey("sync_links.id", ondelete="CASCADE"))
    job_id: Mapped[str] = mapped_column(String(128))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)


class ActivityPush(Base):
    """One activity written (or being written) to one connection's CRM.

    ``in_flight`` is committed before the CRM call; a row left in flight by a crash is
    checked against the CRM (``activity_exists``) before writing again.
    """

    __tablename__ = "activity_pushes"
    __table_args__ = (UniqueConstraint("connection_id", "activity_id", name="uq_activity_push"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"))
    status: Mapped[str] = mapped_column(String(16))  # in_flight | done | failed
    crm_activity_id: Mapped[str | None] = mapped_column(String(128))
    reason_code: Mapped[str | None] = mapped_column(REASON_CODE)
    reason_params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[Reason | None] = reason_columns("reason_code", "reason_params")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class OutreachEvent(Base):
    """Every accepted outreach event, kept for idempotency and audit. An event id is unique
    within its workspace: another team's tool may use the same id for its own event."""

    __tablename__ = "outreach_events"

    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column()
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    payload: Mapped[dict[str, Any]] = mapped_column()


class Alert(Base):
    """Outbox of Slack alerts: written with the state change, posted by the notifier.

    Posting claims the row first (``claimed_at``) and names the target (``posted_channel``)
    before Slack is asked; ``message_ts`` is recorded after Slack answers. A claim that
    expired with no ``message_ts`` is in doubt: the channel is searched for the message
    (it carries the alert id in its metadata) before anything is posted again.
    """

    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("membership_id", "kind", name="uq_alert"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), index=True)
    membership_id: Mapped[int | None] = mapped_column(ForeignKey("memberships.id"))
    kind: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))  # DM target when no channel
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    posted_at: Mapped[datetime | None] = mapped_column()
    claimed_at: Mapped[datetime | None] = mapped_column()
    message_ts: Mapped[str | None] = mapped_column(String(32))
    posted_channel: Mapped[str | None] = mapped_column(String(32))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class OAuthState(Base):
    """One started "log in to the CRM" flow: single use, short-lived, bound to one browser.

    The ``state`` sent to the CRM is never stored, only its SHA-256 (``state_hash``), so a
    leaked table cannot complete anyone's flow. ``browser_hash`` is the SHA-256 of the nonce
    in the cookie set when the flow started; ``code_verifier`` (PKCE) is encrypted.
    """

    __tablename__ = "oauth_states"

    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), index=True)
    user_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    code_verifier: Mapped[str] = mapped_column(Text)  # encrypted, "v1:<key id>:<token>"
    browser_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None] = mapped_column()


class StatusPush(Base):
    """One status change an activity calls for, written to one connection's CRM at most once.

    ``state``: ``in_flight`` (before the CRM call), ``done``, ``unchanged`` (the membership
    already had that status), ``missing`` (the CRM has no status of that name) or ``failed``.
    """

    __tablename__ = "status_pushes"
    __table_args__ = (
        UniqueConstraint("connection_id", "activity_id", "status", name="uq_status_push"),
        Index("ix_status_push_membership", "connection_id", "membership_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"))
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"))
    status: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    reason_code: Mapped[str | None] = mapped_column(REASON_CODE)
    reason_params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[Reason | None] = reason_columns("reason_code", "reason_params")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ListImport(Base):
    """An import of a CRM list into a sequence (PRODUCT rule 13). At most one ``running``
    import per connection, enforced by a partial unique index."""

    __tablename__ = "list_imports"
    __table_args__ = (
        Index(
            "uq_list_import_running",
            "connection_id",
            unique=True,
            sqlite_where=text("status = 'running'"),
            postgresql_where=text("status = 'running'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), index=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    list_id: Mapped[str] = mapped_column(String(255))
    list_name: Mapped[str] = mapped_column(String(255))
    sequence_id: Mapped[int] = mapped_column(ForeignKey("sequences.id"))
    status: Mapped[str] = mapped_column(String(16), default="running")  # running|done|failed
    total: Mapped[int] = mapped_column(Integer, default=0)
    added: Mapped[int] = mapped_column(Integer, default=0)
    skipped_no_email: Mapped[int] = mapped_column(Integer, default=0)
    already: Mapped[int] = mapped_column(Integer, default=0)
    reason_code: Mapped[str | None] = mapped_column(REASON_CODE)
    reason_params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[Reason | None] = reason_columns("reason_code", "reason_params")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()


class MappingVersion(Base):
    """One saved field mapping of a connection; the highest version for a record type applies.

    ``rows`` is a list of ``{"source_kind": field|custom|constant, "source": str,
    "crm_field": str, "crm_type": str}``; saving never edits a row, it adds a version.
    """

    __tablename__ = "mapping_versions"
    __table_args__ = (UniqueConstraint("connection_id", "version", name="uq_mapping_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), index=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    record_type: Mapped[str] = mapped_column(String(64))
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditLog(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), index=True)
    actor_user_id: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(255))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class SlackInstallation(Base):
    """A workspace that installed the app through OAuth; the bot token is encrypted."""

    __tablename__ = "slack_installations"
    __table_args__ = (UniqueConstraint("enterprise_id", "team_id", name="uq_installation_team"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[str | None] = mapped_column(String(32))
    team_id: Mapped[str | None] = mapped_column(String(32), index=True)
    team_name: Mapped[str | None] = mapped_column(String(255))
    app_id: Mapped[str | None] = mapped_column(String(32))
    bot_id: Mapped[str | None] = mapped_column(String(32))
    bot_user_id: Mapped[str | None] = mapped_column(String(32))
    bot_scopes: Mapped[str | None] = mapped_column(Text)
    bot_token: Mapped[str | None] = mapped_column(Text)  # encrypted
    installer_user_id: Mapped[str | None] = mapped_column(String(32))
    is_enterprise_install: Mapped[bool] = mapped_column(Boolean, default=False)
    installed_at: Mapped[datetime] = mapped_column(default=utcnow)


class SlackOAuthState(Base):
    """A one-time ``state`` of a Slack app install in progress."""

    __tablename__ = "slack_oauth_states"

    state: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column()


class ViewState(Base):
    """Modal state too large for ``private_metadata``; the metadata carries the key."""

    __tablename__ = "view_states"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(32), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
