"""Connecting a teammate's CRM: verify with the CRM first, then store the credentials encrypted."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from bot.connectors.base import Connector
from bot.connectors.errors import AuthError, ConnectorError, TransientError
from bot.connectors.registry import display_name
from bot.storage.crypto import SecretBox
from bot.storage.db import Database
from bot.storage.models import ConnectionStatus, utcnow
from bot.storage.repos import Repo

__all__ = ["ConnectRejected", "connect", "disconnect"]

log = logging.getLogger(__name__)

# Slack wants the modal answer within 3 s; leave room for our own work.
VERIFY_TIMEOUT_SECONDS = 2.3


class ConnectRejected(Exception):
    """The CRM refused the credentials, or could not be asked; ``reason`` is for the teammate."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


async def connect(
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
    crm = display_name(kind)
    try:
        connector = build(kind, credentials)
    except ConnectorError as exc:  # e.g. the app itself lacks a setting this CRM needs
        raise ConnectRejected(exc.reason) from exc
    try:
        identity = await asyncio.wait_for(connector.verify(), verify_within)
    except AuthError as exc:
        raise ConnectRejected(exc.reason) from exc
    except (TimeoutError, TransientError) as exc:
        raise ConnectRejected(
            f"{crm} did not answer in time. Please try again in a moment."
        ) from exc
    except ConnectorError as exc:
        raise ConnectRejected(exc.reason) from exc
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


async def disconnect(db: Database, workspace_id: str, user_id: str) -> str | None:
    """Forget the teammate's credentials and stop syncing. Settings and every membership's
    state stay, so reconnecting the same CRM later picks up where it stopped. Returns the
    CRM's name, or None when nothing was connected."""
    async with db.session() as session:
        conn = await Repo(session, workspace_id).connection_for(user_id)
        if conn is None or conn.status == ConnectionStatus.DISCONNECTED:
            return None
        conn.credentials = ""
        conn.status = ConnectionStatus.DISCONNECTED
        conn.status_reason = f"Disconnected by <@{user_id}> on {utcnow():%Y-%m-%d %H:%M} UTC."
        conn.paused_until = None
        kind = conn.kind
    log.info("crm disconnected", extra={"workspace_id": workspace_id, "user_id": user_id})
    return display_name(kind)
