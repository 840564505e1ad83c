"""Connecting a CRM by logging in to it: the OAuth 2.0 web-server flow with PKCE.

    begin()   Slack asked to connect: a fresh single-use state, and the app's own start URL
    start()   the browser opened that URL: bind the state to this browser (a cookie nonce)
              and send it on to the CRM's authorize page
    finish()  the CRM sent the browser back: check the state (known, unexpired, unused, same
              browser), spend it, exchange the code, verify and save the connection

Only hashes of the state and of the browser nonce are stored; the PKCE verifier is encrypted.
Every refusal is an :class:`OAuthRefused` with a code (``bot.views.sign_in`` words it for the
page), and says whether the teammate who started the flow should hear about it in Slack.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx

from bot.connectors.base import Connector
from bot.connectors.errors import AuthError, ConfigError, ConnectorError, TransientError
from bot.connectors.registry import display_name
from bot.connectors.salesforce import oauth as salesforce_oauth
from bot.services.connections import ConnectRejected, verify_and_save
from bot.services.context import SignIn
from bot.settings import Settings
from bot.storage.crypto import SecretBox
from bot.storage.db import Database
from bot.storage.models import OAuthState, utcnow
from bot.storage.oauth_states import oauth_state, purge_oauth_states
from bot.storage.repos import Repo

__all__ = [
    "STATE_LIFETIME",
    "Connected",
    "FlowOwner",
    "OAuthFlows",
    "OAuthNotConfigured",
    "OAuthRefused",
    "SignInProblem",
    "browser_cookie_name",
]

log = logging.getLogger(__name__)

STATE_LIFETIME = timedelta(minutes=10)
# Spent and expired states are kept a day so a late replay is told "already used" or
# "expired" rather than "not ours".
KEEP_SPENT_STATES = timedelta(days=1)
# The teammate is waiting on a web page, not on Slack's 3 seconds.
VERIFY_TIMEOUT_SECONDS = 15.0
START_PATH = "/oauth/salesforce/start"
CALLBACK_PATH = "/oauth/salesforce/callback"


@dataclass(frozen=True)
class FlowOwner:
    """The teammate who started a login flow (from the stored state, never from the request)."""

    workspace_id: str
    user_id: str
    kind: str

    @property
    def crm(self) -> str:
        return display_name(self.kind)


@dataclass(frozen=True)
class Connected:
    owner: FlowOwner
    identity: str


class SignInProblem(enum.StrEnum):
    """Why a sign-in stopped; every one carries ``crm``, some more (in brackets)."""

    INCOMPLETE = "incomplete"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"  # minutes
    OTHER_BROWSER = "other_browser"
    NOT_SET_UP = "not_set_up"  # missing
    NOT_SET_UP_CONFIG = "not_set_up_config"  # detail
    NO_CODE = "no_code"
    DENIED = "denied"
    CRM_ERROR = "crm_error"  # detail
    SIGN_IN_REFUSED = "sign_in_refused"  # detail
    NO_ANSWER = "no_answer"
    NOT_CONNECTED = "not_connected"  # detail, or rejected (a ConnectRejected)
    NO_LASTING_ACCESS = "no_lasting_access"


class OAuthRefused(Exception):
    """The flow cannot go on. ``owner`` is set when the teammate's own browser got this far,
    so they are told in Slack as well."""

    def __init__(self, problem: SignInProblem, *, owner: FlowOwner | None = None, **params: Any):
        super().__init__(problem)
        self.problem = problem
        self.owner = owner
        self.params = params


class OAuthNotConfigured(Exception):
    def __init__(self, crm: str, missing: list[str]):
        super().__init__(f"{crm} login is not set up: missing {', '.join(missing)}")
        self.crm = crm
        self.missing = missing


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def browser_cookie_name(state: str) -> str:
    """One cookie per flow, so two flows started in one browser do not undo each other."""
    return f"crm_oauth_{_digest(state)[:16]}"


class OAuthFlows:
    """Salesforce login flows (the only CRM that connects by OAuth today)."""

    kind = "salesforce"

    def __init__(
        self,
        db: Database,
        box: SecretBox,
        settings: Settings,
        build: Callable[[str, dict[str, str]], Connector],
        transport: httpx.AsyncBaseTransport | None = None,
        now: Callable[[], datetime] = utcnow,
    ):
        self.db = db
        self.box = box
        self.settings = settings
        self.build = build
        self.transport = transport
        self.now = now

    # configuration ------------------------------------------------------------------------

    def missing_settings(self) -> list[str]:
        missing = []
        if not self.settings.salesforce_client_id:
            missing.append("SALESFORCE_CLIENT_ID")
        if not self.settings.salesforce_client_secret:
            missing.append("SALESFORCE_CLIENT_SECRET")
        return missing

    @property
    def redirect_uri(self) -> str:
        return self.settings.base_url + CALLBACK_PATH

    def start_url(self, state: str) -> str:
        return f"{self.settings.base_url}{START_PATH}?{urlencode({'state': state})}"

    @property
    def _login_url(self) -> str:
        return self.settings.salesforce_login_url.rstrip("/")

    # 1. from Slack ------------------------------------------------------------------------

    async def sign_in(self, workspace_id: str, user_id: str, kind: str) -> SignIn:
        minutes = int(STATE_LIFETIME.total_seconds() // 60)
        try:
            url = await self.begin(workspace_id, user_id, kind)
        except OAuthNotConfigured as exc:
            return SignIn(None, tuple(exc.missing), self.redirect_uri, minutes)
        return SignIn(url, (), self.redirect_uri, minutes)

    async def begin(self, workspace_id: str, user_id: str, kind: str) -> str:
        """A fresh state for this teammate; returns the start URL to put behind the button."""
        missing = self.missing_settings()
        if missing:
            raise OAuthNotConfigured(display_name(kind), missing)
        state = secrets.token_urlsafe(32)
        now = self.now()
        async with self.db.session() as session:
            await purge_oauth_states(session, now - KEEP_SPENT_STATES)
            repo = Repo(session, workspace_id)
            await repo.ensure_workspace()
            await repo.add_oauth_state(
                _digest(state),
                user_id=user_id,
                kind=kind,
                code_verifier=self.box.encrypt(salesforce_oauth.new_code_verifier()),
                now=now,
                expires_at=now + STATE_LIFETIME,
            )
        return self.start_url(state)

    # 2. the browser opens the start URL -------------------------------------------------

    async def start(self, state: str, browser_nonce: str | None) -> tuple[str, str | None]:
        """(authorize URL, nonce for a new browser cookie, or None when this browser already
        holds the state)."""
        missing = self.missing_settings()
        if missing:
            raise OAuthRefused(
                SignInProblem.NOT_SET_UP, crm=display_name(self.kind), missing=missing
            )
        now = self.now()
        async with self.db.session() as session:
            row = await self._live(session, state, now)
            repo = Repo(session, row.workspace_id)
            new_nonce = None
            if row.browser_hash is None:
                new_nonce = secrets.token_urlsafe(32)
                if not await repo.bind_oauth_state(row.state_hash, _digest(new_nonce), now):
                    raise self._other_browser(row)
            elif not self._same_browser(row, browser_nonce):
                raise self._other_browser(row)
            verifier = self.box.decrypt(row.code_verifier)
        try:
            url = salesforce_oauth.authorize_url(
                self._login_url,
                self.settings.salesforce_client_id or "",
                self.redirect_uri,
                state,
                verifier,
            )
        except ConfigError as exc:
            raise OAuthRefused(
                SignInProblem.NOT_SET_UP_CONFIG, crm=display_name(self.kind), detail=exc.reason
            ) from exc
        return url, new_nonce

    # 3. the CRM sends the browser back --------------------------------------------------

    async def finish(
        self,
        state: str,
        browser_nonce: str | None,
        *,
        code: str | None,
        error: str | None,
        error_description: str | None,
    ) -> Connected:
        owner, verifier = await self._spend(state, browser_nonce)
        if error:
            raise self._crm_error(owner, error, error_description)
        if not code:
            raise OAuthRefused(SignInProblem.NO_CODE, owner=owner, crm=owner.crm)
        credentials = await self._exchange(owner, code, verifier)
        try:
            identity = await verify_and_save(
                self.db,
                self.box,
                self.build,
                workspace_id=owner.workspace_id,
                user_id=owner.user_id,
                kind=owner.kind,
                credentials=credentials,
                verify_within=VERIFY_TIMEOUT_SECONDS,
            )
        except ConnectRejected as exc:
            raise OAuthRefused(
                SignInProblem.NOT_CONNECTED, owner=owner, crm=owner.crm, rejected=exc
            ) from exc
        return Connected(owner, identity)

    async def _spend(self, state: str, browser_nonce: str | None) -> tuple[FlowOwner, str]:
        """Check the state and mark it used (committed before the code is exchanged, so a
        replay racing this request loses)."""
        now = self.now()
        async with self.db.session() as session:
            row = await self._live(session, state, now)
            if not self._same_browser(row, browser_nonce):
                raise self._other_browser(row)
            repo = Repo(session, row.workspace_id)
            if not await repo.consume_oauth_state(row.state_hash, row.browser_hash or "", now):
                raise self._used(row)
            owner = FlowOwner(row.workspace_id, row.user_id, row.kind)
            return owner, self.box.decrypt(row.code_verifier)

    async def _exchange(self, owner: FlowOwner, code: str, verifier: str) -> dict[str, str]:
        secret = self.settings.salesforce_client_secret
        try:
            grant = await salesforce_oauth.exchange_code(
                self._login_url,
                self.settings.salesforce_client_id or "",
                secret.get_secret_value() if secret else "",
                code,
                self.redirect_uri,
                verifier,
                transport=self.transport,
            )
        except AuthError as exc:
            raise OAuthRefused(
                SignInProblem.SIGN_IN_REFUSED, owner=owner, crm=owner.crm, detail=exc.reason
            ) from exc
        except (TransientError, httpx.TransportError) as exc:
            log.warning("oauth code exchange failed", extra={"kind": owner.kind, "error": str(exc)})
            raise OAuthRefused(SignInProblem.NO_ANSWER, owner=owner, crm=owner.crm) from exc
        except ConnectorError as exc:
            raise OAuthRefused(
                SignInProblem.NOT_CONNECTED, owner=owner, crm=owner.crm, detail=exc.reason
            ) from exc
        if not grant.refresh_token:
            raise OAuthRefused(SignInProblem.NO_LASTING_ACCESS, owner=owner, crm=owner.crm)
        return {
            "refresh_token": grant.refresh_token,
            "access_token": grant.access_token,
            "instance_url": grant.instance_url,
            "identity_url": grant.identity_url or "",
        }

    # checks -----------------------------------------------------------------------------

    async def _live(self, session, state: str, now: datetime) -> OAuthState:
        """The stored flow of ``state`` if it may still be used; refusals otherwise."""
        crm = display_name(self.kind)
        if not state:
            raise OAuthRefused(SignInProblem.INCOMPLETE, crm=crm)
        row = await oauth_state(session, _digest(state))
        if row is None:
            raise OAuthRefused(SignInProblem.UNKNOWN, crm=crm)
        if row.used_at is not None:
            raise self._used(row)
        if row.expires_at <= now:
            minutes = int(STATE_LIFETIME.total_seconds() // 60)
            raise OAuthRefused(SignInProblem.EXPIRED, crm=display_name(row.kind), minutes=minutes)
        return row

    @staticmethod
    def _same_browser(row: OAuthState, browser_nonce: str | None) -> bool:
        if not browser_nonce or row.browser_hash is None:
            return False
        return hmac.compare_digest(row.browser_hash, _digest(browser_nonce))

    @staticmethod
    def _used(row: OAuthState) -> OAuthRefused:
        return OAuthRefused(SignInProblem.USED, crm=display_name(row.kind))

    @staticmethod
    def _other_browser(row: OAuthState) -> OAuthRefused:
        return OAuthRefused(SignInProblem.OTHER_BROWSER, crm=display_name(row.kind))

    @staticmethod
    def _crm_error(owner: FlowOwner, error: str, description: str | None) -> OAuthRefused:
        if error == "access_denied":
            return OAuthRefused(SignInProblem.DENIED, owner=owner, crm=owner.crm)
        detail = (description or error)[:300]
        return OAuthRefused(SignInProblem.CRM_ERROR, owner=owner, crm=owner.crm, detail=detail)
