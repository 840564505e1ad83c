"""Re-encrypt every stored secret under the primary key (after adding a new ENCRYPTION_KEYS
entry in front). Old keys can be dropped once this has run."""

from __future__ import annotations

from sqlalchemy import select

from bot.settings import Settings
from bot.storage.crypto import SecretBox
from bot.storage.db import Database, upgrade_to_head
from bot.storage.models import Connection, OAuthState


async def rotate_all(settings: Settings) -> int:
    await upgrade_to_head(settings.database_url)
    box = SecretBox(settings.fernet_keys)
    db = Database(settings.database_url)
    rotated = 0
    try:
        async with db.session() as session:
            for conn in await session.scalars(select(Connection)):
                if box.needs_rotation(conn.credentials):
                    conn.credentials = box.rotate(conn.credentials)
                    rotated += 1
            for flow in await session.scalars(select(OAuthState)):
                if box.needs_rotation(flow.code_verifier):
                    flow.code_verifier = box.rotate(flow.code_verifier)
                    rotated += 1
    finally:
        await db.dispose()
    return rotated
