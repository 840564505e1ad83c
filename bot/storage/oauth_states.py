"""Started "log in to the CRM" flows: single use, short-lived, bound to one browser.

:func:`oauth_state` and :func:`purge_oauth_states` cross workspaces: a CRM login callback
arrives with nothing but its unguessable state, which is how it finds its workspace.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage import models as m
from bot.storage.scope import Scoped

__all__ = ["OAuthStates", "oauth_state", "purge_oauth_states"]


class OAuthStates(Scoped):
    async def add_oauth_state(
        self,
        state_hash: str,
        *,
        user_id: str,
        kind: str,
        code_verifier: str,
        now: datetime,
        expires_at: datetime,
    ) -> None:
        self.session.add(
            m.OAuthState(
                state_hash=state_hash,
                workspace_id=self.ws,
                user_id=user_id,
                kind=kind,
                code_verifier=code_verifier,
                created_at=now,
                expires_at=expires_at,
            )
        )
        await self.session.flush()

    def _live_state(self, state_hash: str, now: datetime):
        return and_(
            m.OAuthState.workspace_id == self.ws,
            m.OAuthState.state_hash == state_hash,
            m.OAuthState.used_at.is_(None),
            m.OAuthState.expires_at > now,
        )

    async def bind_oauth_state(self, state_hash: str, browser_hash: str, now: datetime) -> bool:
        """Tie a live, not yet claimed state to one browser; False when it cannot be."""
        result = await self.session.execute(
            update(m.OAuthState)
            .where(self._live_state(state_hash, now), m.OAuthState.browser_hash.is_(None))
            .values(browser_hash=browser_hash)
            .returning(m.OAuthState.state_hash)
        )
        return result.first() is not None

    async def consume_oauth_state(self, state_hash: str, browser_hash: str, now: datetime) -> bool:
        """Mark a live state of this browser used; exactly one caller ever gets True."""
        result = await self.session.execute(
            update(m.OAuthState)
            .where(self._live_state(state_hash, now), m.OAuthState.browser_hash == browser_hash)
            .values(used_at=now)
            .returning(m.OAuthState.state_hash)
        )
        return result.first() is not None


async def oauth_state(session: AsyncSession, state_hash: str) -> m.OAuthState | None:
    """The login flow a callback belongs to, by the hash of its unguessable state."""
    return await session.get(m.OAuthState, state_hash)


async def purge_oauth_states(session: AsyncSession, expired_before: datetime) -> None:
    await session.execute(delete(m.OAuthState).where(m.OAuthState.expires_at < expired_before))
