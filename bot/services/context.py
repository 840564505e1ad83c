"""What the use cases need from the process they run in. The Runtime (``bot.app``) provides
it; listeners and tasks hand it to a service unopened, and tests pass their own Runtime."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.connectors.base import Connector
from bot.jobs import TaskRunner
from bot.services.caches import FieldCache, JobCache
from bot.settings import Settings
from bot.storage.crypto import SecretBox
from bot.storage.db import Database
from bot.storage.models import Connection
from bot.sync.engine import SyncEngine

__all__ = ["LoginFlows", "ServiceContext", "SignIn"]


@dataclass(frozen=True, slots=True)
class SignIn:
    """A sign-in link for the teammate (``url``), or what the app lacks to offer one."""

    url: str | None
    missing: tuple[str, ...]
    callback_url: str
    minutes: int


class LoginFlows(Protocol):
    """Connecting a CRM by logging in to it (:class:`bot.services.crm_oauth.OAuthFlows`)."""

    async def sign_in(self, workspace_id: str, user_id: str, kind: str) -> SignIn:
        """A fresh single-use sign-in for the teammate."""
        ...


class ServiceContext(Protocol):
    settings: Settings
    db: Database
    box: SecretBox
    engine: SyncEngine
    job_cache: JobCache
    field_cache: FieldCache
    oauth: LoginFlows

    @property
    def runner(self) -> TaskRunner: ...

    def connector(self, kind: str, credentials: dict[str, str]) -> Connector: ...

    async def connector_for(self, connection: Connection) -> Connector: ...

    async def kick(self) -> None:
        """New work arrived: look for due work now rather than at the next tick."""
        ...
