"""Connecting a teammate's CRM (verify with the CRM first, then store the credentials
encrypted) and disconnecting it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.connectors.base import Connector
from bot.connectors.errors import ConnectorError, TransientError
from bot.services.context import ServiceContext, SignIn
from bot.services.crms import CredentialInput, crm, crm_name
from bot.services.problems import NotConnected, Problem, Refused
from bot.states import ConnectionStatus
from bot.storage.crypto import SecretBox
from bot.storage.db import Database
from bot.storage.models import utcnow
from bot.storage.repos import Repo
from bot.sync import reasons

__all__ = [
    "ConnectForm",
    "ConnectRejected",
    "Connected",
    "Disconnected",
    "connect",
    "connect_form",
    "disconnect",
    "verify_and_save",
]

log = logging.getLogger(__name__)

# Slack wants the modal answer within 3 s; leave room for our own work.
VERIFY_TIMEOUT_SECONDS = 2.3


class ConnectRejected(Refused):
    """The CRM refused the credentials, or could not be asked."""


@dataclass(frozen=True)
class ConnectForm:
    """The connect modal of one CRM: its credential inputs, or its sign-in link."""

    kind: str
    crm: str
    fields: tuple[CredentialInput, ...]
    connected_as: str | None
    sign_in: SignIn | None = None  # CRMs that connect by logging in
    needs_reauth: bool = False


@dataclass(frozen=True)
class Connected:
    crm: str
    identity: str
    has_jobs: bool


@dataclass(frozen=True)
class Disconnected:
    crm: str
    kind: str


async def connect_form(
    ctx: ServiceContext, workspace_id: str, user_id: str, kind: str
) -> ConnectForm:
    """The connect modal of ``kind`` (each opening of a sign-in mints a fresh state)."""
    info = crm(kind)
    assert info is not None, kind
    async with ctx.db.session() as session:
        conn = await Repo(session, workspace_id).connection_for(user_id)
    live = conn is not None and conn.kind == kind and conn.status != ConnectionStatus.DISCONNECTED
    current = conn if live else None
    form = ConnectForm(kind, info.name, info.fields, current.identity if current else None)
    if not info.login:
        return form
    return ConnectForm(
        kind,
        info.name,
        (),
        form.connected_as,
        await ctx.oauth.sign_in(workspace_id, user_id, kind),
        needs_reauth=current is not None and current.status == ConnectionStatus.NEEDS_REAUTH,
    )


async def connect(
    ctx: ServiceContext, workspace_id: str, user_id: str, kind: str, credentials: dict[str, str]
) -> Connected:
    """Verify and save the typed credentials; syncing starts (or resumes) at once."""
    info = crm(kind)
    assert info is not None, kind
    identity = await verify_and_save(
        ctx.db,
        ctx.box,
        ctx.connector,
        workspace_id=workspace_id,
        user_id=user_id,
        kind=kind,
        credentials=credentials,
    )
    await ctx.kick()
    return Connected(info.name, identity, info.jobs)


async def verify_and_save(
    db: Database,
    box: SecretBox,
    build: Callable[[str, dict[str, str]], Connector],
    *,
    workspace_id: str,
    user_id: str,
    kind: str,
    credentials: dict[str, str],
    verify_within: float = VERIFY_TIMEOUT_SECONDS,
) -> str:
    """Verify and save; returns the CRM identity the connection acts as.

    Saving an existing connection of the same CRM (a reconnect) keeps its settings and
    resumes its syncing: status back to active, any pause lifted.
    """
    try:
        connector = build(kind, credentials)
    except ConnectorError as exc:  # e.g. the app itself lacks a setting this CRM needs
        raise ConnectRejected(Problem.CRM_SAID, detail=exc.reason) from exc
    try:
        identity = await asyncio.wait_for(connector.verify(), verify_within)
    except (TimeoutError, TransientError) as exc:
        raise ConnectRejected(Problem.CRM_SLOW, crm=crm_name(kind)) from exc
    except ConnectorError as exc:
        raise ConnectRejected(Problem.CRM_SAID, detail=exc.reason) from exc
    finally:
        await connector.aclose()
    async with db.session() as session:
        repo = Repo(session, workspace_id)
        await repo.ensure_workspace()
        await repo.save_connection(
            user_id, kind=kind, credentials=box.encrypt_json(credentials), identity=identity.label
        )
    log.info(
        "crm connected", extra={"workspace_id": workspace_id, "user_id": user_id, "kind": kind}
    )
    return identity.label


async def disconnect(ctx: ServiceContext, workspace_id: str, user_id: str) -> Disconnected:
    """Forget the teammate's credentials and stop syncing. Settings and every membership's
    state stay, so reconnecting the same CRM later picks up where it stopped."""
    async with ctx.db.session() as session:
        conn = await Repo(session, workspace_id).connection_for(user_id)
        if conn is None or conn.status == ConnectionStatus.DISCONNECTED:
            raise NotConnected
        conn.credentials = ""
        conn.status = ConnectionStatus.DISCONNECTED
        conn.status_reason = reasons.disconnected_by(user_id, utcnow())
        conn.paused_until = None
        gone = Disconnected(crm_name(conn.kind), conn.kind)
        connection_id = conn.id
    ctx.job_cache.forget(connection_id)
    log.info("crm disconnected", extra={"workspace_id": workspace_id, "user_id": user_id})
    return gone
