"""Installation and OAuth state stores for Bolt's OAuth flow, kept in our database.

Bot tokens are encrypted with the runtime's :class:`SecretBox` (the stock SQLAlchemy store of
slack_sdk keeps them in plain text). One bot installation per workspace (or org); a new install
of the same workspace replaces the token. User tokens are not requested, so not stored.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from bot.storage import installations
from bot.storage.crypto import SecretBox
from bot.storage.db import Database
from bot.storage.models import SlackInstallation, utcnow
from bot.storage.repos import Repo

__all__ = ["DbInstallationStore", "DbOAuthStateStore"]

log = logging.getLogger(__name__)


class DbInstallationStore(AsyncInstallationStore):
    def __init__(self, db: Database, box: SecretBox):
        self.db = db
        self.box = box

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        await self.async_save_bot(installation.to_bot())
        if installation.team_id:
            async with self.db.session() as session:
                await Repo(session, installation.team_id).ensure_workspace(installation.team_name)
                row = await installations.installation(
                    session, installation.enterprise_id, installation.team_id
                )
                if row is not None:
                    row.installer_user_id = installation.user_id
                    row.team_name = installation.team_name

    async def async_save_bot(self, bot: Bot) -> None:
        async with self.db.session() as session:
            row = await installations.installation(
                session, bot.enterprise_id, bot.team_id, create=True
            )
            row.app_id = bot.app_id
            row.team_name = bot.team_name
            row.bot_id = bot.bot_id
            row.bot_user_id = bot.bot_user_id
            row.bot_scopes = ",".join(bot.bot_scopes or [])
            row.bot_token = self.box.encrypt(bot.bot_token) if bot.bot_token else None
            row.is_enterprise_install = bool(bot.is_enterprise_install)
            row.installed_at = utcnow()
        log.info("Slack app installed", extra={"team_id": bot.team_id})

    async def _row(
        self, enterprise_id: str | None, team_id: str | None
    ) -> SlackInstallation | None:
        async with self.db.session() as session:
            row = await installations.installation(session, enterprise_id, team_id)
        if row is None and enterprise_id is not None and team_id is not None:
            return await self._row(enterprise_id, None)  # an org-wide install covers its teams
        return row if row is not None and row.bot_token else None

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        installation = await self.async_find_installation(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )
        return installation.to_bot() if installation else None

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        row = await self._row(enterprise_id, None if is_enterprise_install else team_id)
        if row is None:
            return None
        return Installation(
            app_id=row.app_id,
            enterprise_id=row.enterprise_id,
            team_id=row.team_id,
            team_name=row.team_name,
            bot_token=self.box.decrypt(row.bot_token),
            bot_id=row.bot_id,
            bot_user_id=row.bot_user_id,
            bot_scopes=row.bot_scopes or "",
            user_id=row.installer_user_id or "",
            is_enterprise_install=row.is_enterprise_install,
            installed_at=row.installed_at.timestamp(),
        )

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        async with self.db.session() as session:
            await installations.delete_installation(session, enterprise_id, team_id)
        log.info("Slack bot token deleted", extra={"team_id": team_id})

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        # Only bot tokens are stored; deleting the installation deletes that row.
        if user_id is None:
            await self.async_delete_bot(enterprise_id=enterprise_id, team_id=team_id)


class DbOAuthStateStore(AsyncOAuthStateStore):
    def __init__(self, db: Database, expiration_seconds: int = 600):
        self.db = db
        self.expiration = timedelta(seconds=expiration_seconds)

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args, **kwargs) -> str:
        state = secrets.token_urlsafe(32)
        async with self.db.session() as session:
            await installations.add_install_state(session, state, utcnow() + self.expiration)
        return state

    async def async_consume(self, state: str) -> bool:
        """True once per unexpired state; the row is deleted either way."""
        async with self.db.session() as session:
            return await installations.spend_install_state(session, state, utcnow())
