"""Bolt's OAuth settings for ``/slack/install`` and ``/slack/oauth_redirect``."""

from __future__ import annotations

from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings

from bot.settings import Settings
from bot.slack_install.stores import DbInstallationStore, DbOAuthStateStore
from bot.storage.db import Database

# The bot scopes the product needs (the app manifest lists the same).
BOT_SCOPES = (
    "commands",
    "chat:write",
    "chat:write.public",
    "im:write",
    "users:read",
    "channels:history",
    "groups:history",
    "im:history",
)
STATE_SECONDS = 600


def oauth_settings(
    settings: Settings, db: Database, store: DbInstallationStore
) -> AsyncOAuthSettings:
    assert settings.slack_client_id and settings.slack_client_secret
    return AsyncOAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret.get_secret_value(),
        scopes=list(BOT_SCOPES),
        redirect_uri=f"{settings.base_url}/slack/oauth_redirect",
        # Straight to Slack's consent page; no intermediate "Add to Slack" page.
        install_page_rendering_enabled=False,
        installation_store=store,
        installation_store_bot_only=True,
        state_store=DbOAuthStateStore(db, STATE_SECONDS),
        state_expiration_seconds=STATE_SECONDS,
    )
