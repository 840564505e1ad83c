"""The OAuth 2.0 endpoints of an emulated Salesforce login server (web-server flow + PKCE).

Documented behaviour it follows (vendor notes A2; Salesforce help "OAuth 2.0 Web Server Flow",
"Refresh Token Flow", "OAuth Flow Errors", "Revoke OAuth Tokens"):

* ``GET /services/oauth2/authorize`` needs ``response_type=code``, a known ``client_id`` and a
  ``redirect_uri`` registered for it; an unknown client or callback is shown as an error page
  (never redirected), other problems redirect back with ``error=...``. It renders a login
  form; allowing redirects to the callback with ``code`` and ``state``, denying with
  ``error=access_denied``.
* ``POST /services/oauth2/token`` (form encoded; client credentials in the body or as HTTP
  Basic): ``authorization_code`` (single-use code, 15-minute life, same ``redirect_uri``, PKCE
  S256 check of ``code_verifier``) and ``refresh_token``. Success has ``access_token``,
  ``refresh_token`` (code grant only, or when rotation is on), ``signature``, ``scope``,
  ``instance_url``, ``id``, ``token_type``, ``issued_at`` (ms) and no ``expires_in``.
  Errors are HTTP 400 ``{"error", "error_description"}``.
* ``POST`` (or ``GET``) ``/services/oauth2/revoke`` with ``token``: revoking a refresh token
  revokes its access tokens; unknown token → 400 ``invalid_token``.
* ``GET /id/{orgId}/{userId}`` with the Bearer access token: the identity JSON.

Chosen here: PKCE is required by default (``require_pkce``), as the product always sends it;
error descriptions use the wording of Salesforce's OAuth error table; an injected fault with a
``code`` answers ``{"error": code, "error_description": message}``, without one a bare
"Service Unavailable". Calls are labelled ``authorize``, ``authorize.submit``,
``token.<grant_type>``, ``revoke`` and ``identity``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from sandbox.kernel import Api, Call, Clock, Endpoint, Fault, Ids, Routes, State, build_app
from sandbox.salesforce.ids import KEY_PREFIXES, new_id

__all__ = [
    "AccessGrant",
    "AuthCode",
    "OAuthApi",
    "OAuthClient",
    "OAuthProblem",
    "OAuthState",
    "OAuthUser",
    "RefreshGrant",
    "create_app",
]

CODE_TTL_SECONDS = 15 * 60
REFRESH_SCOPES = frozenset({"refresh_token", "offline_access"})


@dataclass
class OAuthClient:
    client_id: str
    client_secret: str
    redirect_uris: list[str]
    require_secret: bool = True

    def __repr__(self) -> str:
        return f"OAuthClient(client_id={self.client_id!r})"


@dataclass
class OAuthUser:
    id: str
    org_id: str
    username: str
    password: str
    instance_url: str
    email: str
    display_name: str
    active: bool = True

    def __repr__(self) -> str:
        return f"OAuthUser(id={self.id!r}, username={self.username!r})"


@dataclass
class AuthCode:
    code: str
    client_id: str
    user_id: str
    redirect_uri: str
    code_challenge: str | None
    scope: str
    issued_at: float
    used: bool = False


@dataclass
class RefreshGrant:
    token: str
    client_id: str
    user_id: str
    scope: str
    revoked: bool = False


@dataclass
class AccessGrant:
    token: str
    client_id: str
    user_id: str
    refresh_token: str | None
    revoked: bool = False
    expired: bool = False


class OAuthState(State):
    """Connected apps, users, codes and tokens of the emulated login server (kernel hooks:
    see ``State``; ``ids`` shares the org's id factory)."""

    def __init__(
        self,
        *,
        login_url: str = "https://login.salesforce.com",
        clock: Clock | None = None,
        code_ttl: float = CODE_TTL_SECONDS,
        require_pkce: bool = True,
        rotate_refresh_tokens: bool = False,
        ids: Ids | None = None,
        seed: int | None = None,
    ):
        super().__init__(clock=clock, seed=seed)
        self.ids = ids or self.ids
        self.login_url = login_url.rstrip("/")
        self.code_ttl = code_ttl
        self.require_pkce = require_pkce
        self.rotate_refresh_tokens = rotate_refresh_tokens
        self.org_id = new_id(self.ids, KEY_PREFIXES["Organization"])
        self.clients: dict[str, OAuthClient] = {}
        self.users: dict[str, OAuthUser] = {}
        self.codes: dict[str, AuthCode] = {}
        self.refresh_tokens: dict[str, RefreshGrant] = {}
        self.access_tokens: dict[str, AccessGrant] = {}

    # seeding -----------------------------------------------------------------------------

    def add_client(self, client_id: str, client_secret: str, redirect_uris: list[str]) -> None:
        self.clients[client_id] = OAuthClient(client_id, client_secret, list(redirect_uris))

    def add_user(
        self,
        username: str,
        password: str,
        instance_url: str,
        *,
        email: str | None = None,
        display_name: str | None = None,
    ) -> str:
        """Add a user who can log in; returns the user id (``005...``)."""
        user_id = new_id(self.ids, KEY_PREFIXES["User"])
        self.users[user_id] = OAuthUser(
            id=user_id,
            org_id=self.org_id,
            username=username,
            password=password,
            instance_url=instance_url.rstrip("/"),
            email=email or username,
            display_name=display_name or username.split("@", 1)[0],
        )
        return user_id

    def grant_refresh_token(self, client_id: str, username: str) -> str:
        """A refresh token as if ``username`` had allowed ``client_id`` in the browser."""
        self._client(client_id)
        user = self.user_by_username(username)
        if user is None:
            raise KeyError(f"no user {username!r}")
        return self._new_refresh_token(client_id, user.id, "api refresh_token")

    def issue_access_token(self, client_id: str, username: str) -> str:
        """An access token without a refresh token (tests of the data API)."""
        user = self.user_by_username(username)
        if user is None:
            raise KeyError(f"no user {username!r}")
        return self._new_access_token(client_id, user.id, None)

    # test hooks --------------------------------------------------------------------------

    def revoke_refresh_token(self, token: str) -> None:
        grant = self.refresh_tokens[token]
        grant.revoked = True
        for access in self.access_tokens.values():
            if access.refresh_token == token:
                access.revoked = True

    def expire_access_tokens(self) -> None:
        """End every current session, as a session timeout does: the next data call is 401."""
        for access in self.access_tokens.values():
            access.expired = True

    def deactivate_user(self, username: str) -> None:
        user = self.user_by_username(username)
        if user is not None:
            user.active = False

    def user_for_access_token(self, token: str) -> OAuthUser | None:
        access = self.access_tokens.get(token)
        if access is None or access.revoked or access.expired:
            return None
        user = self.users.get(access.user_id)
        return user if user is not None and user.active else None

    def user_by_username(self, username: str) -> OAuthUser | None:
        wanted = username.strip().lower()
        return next((u for u in self.users.values() if u.username.lower() == wanted), None)

    def active_refresh_tokens(self) -> list[str]:
        return [t for t, g in self.refresh_tokens.items() if not g.revoked]

    def snapshot(self) -> dict[str, Any]:
        return {
            "clients": [
                {"client_id": c.client_id, "redirect_uris": c.redirect_uris}
                for c in self.clients.values()
            ],
            "users": [
                {"id": u.id, "username": u.username, "active": u.active}
                for u in self.users.values()
            ],
            "active_refresh_tokens": len(self.active_refresh_tokens()),
        }

    # internals ---------------------------------------------------------------------------

    def _client(self, client_id: str) -> OAuthClient:
        client = self.clients.get(client_id)
        if client is None:
            raise KeyError(f"no connected app {client_id!r}")
        return client

    def _new_refresh_token(self, client_id: str, user_id: str, scope: str) -> str:
        token = "5Aep861" + self.ids.token(36)
        self.refresh_tokens[token] = RefreshGrant(token, client_id, user_id, scope)
        return token

    def _new_access_token(self, client_id: str, user_id: str, refresh_token: str | None) -> str:
        token = f"{self.org_id[:15]}!AQ" + self.ids.token(54)
        self.access_tokens[token] = AccessGrant(token, client_id, user_id, refresh_token)
        return token

    def _new_code(
        self,
        client: OAuthClient,
        user: OAuthUser,
        redirect_uri: str,
        challenge: str | None,
        scope: str,
    ) -> str:
        code = "aPrx" + self.ids.token(24) + "=="
        self.codes[code] = AuthCode(
            code, client.client_id, user.id, redirect_uri, challenge, scope, self.clock.time()
        )
        return code

    def identity_url(self, user: OAuthUser) -> str:
        return f"{self.login_url}/id/{user.org_id}/{user.id}"


class OAuthProblem(Exception):
    def __init__(self, error: str, description: str, status: int = 400):
        super().__init__(description)
        self.error, self.description, self.status = error, description, status

    def response(self) -> JSONResponse:
        return JSONResponse(
            {"error": self.error, "error_description": self.description}, status_code=self.status
        )


# --- authorize ----------------------------------------------------------------------------


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Login | Salesforce (emulated)</title></head>
<body>
<h1>Log in to Salesforce</h1>
<p>{app} wants to access your Salesforce data.</p>
{error}
<form method="post" action="/services/oauth2/authorize">
{hidden}
<label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username" value="{username}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password">
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>
</body></html>
"""

_PASSED_ON = ("client_id", "redirect_uri", "state", "scope", "code_challenge", "response_type")


def _error_page(message: str, status: int = 400) -> HTMLResponse:
    body = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        "<title>Error | Salesforce (emulated)</title></head>"
        f"<body><h1>Error</h1><p>{html.escape(message)}</p></body></html>"
    )
    return HTMLResponse(body, status_code=status)


def _login_page(params: dict[str, str], error: str = "", username: str = "") -> HTMLResponse:
    hidden = "\n".join(
        f'<input type="hidden" name="{name}" value="{html.escape(params[name])}">'
        for name in _PASSED_ON
        if params.get(name)
    )
    shown_error = f'<p role="alert">{html.escape(error)}</p>' if error else ""
    page = _PAGE.format(
        app=html.escape(params.get("client_id", "")),
        error=shown_error,
        hidden=hidden,
        username=html.escape(username),
    )
    return HTMLResponse(page)


def _redirect(redirect_uri: str, **params: str | None) -> RedirectResponse:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    separator = "&" if "?" in redirect_uri else "?"
    return RedirectResponse(f"{redirect_uri}{separator}{query}", status_code=302)


def _check_authorize(state: OAuthState, params: dict[str, str]) -> Response | None:
    """An error page or redirect for a bad authorize request; None when it is acceptable."""
    client = state.clients.get(params.get("client_id", ""))
    if client is None:
        return _error_page("error=invalid_client_id: client identifier invalid")
    redirect_uri = params.get("redirect_uri", "")
    if redirect_uri not in client.redirect_uris:
        return _error_page("error=redirect_uri_mismatch: redirect_uri must match configuration")
    back = {"state": params.get("state") or None}
    if params.get("response_type") != "code":
        return _redirect(
            redirect_uri,
            error="unsupported_response_type",
            error_description="response type not supported",
            **back,
        )
    method = params.get("code_challenge_method")
    challenge = params.get("code_challenge")
    if method not in (None, "", "S256") or (state.require_pkce and not challenge):
        return _redirect(
            redirect_uri,
            error="invalid_request",
            error_description="missing or unsupported code_challenge (PKCE S256 required)",
            **back,
        )
    return None


async def _form(request: Request) -> dict[str, str]:
    """The urlencoded form body (parsed here so the emulator needs no multipart library)."""
    content_type = request.headers.get("content-type", "")
    if content_type and not content_type.startswith("application/x-www-form-urlencoded"):
        return {}
    body = (await request.body()).decode("utf-8", "replace")
    return dict(parse_qsl(body, keep_blank_values=True))


routes = Routes()


@routes.get("/services/oauth2/authorize", label="authorize")
async def _authorize_form(state: OAuthState, request: Request) -> Response:
    params = dict(request.query_params)
    return _check_authorize(state, params) or _login_page(params)


@routes.post("/services/oauth2/authorize", label="authorize.submit")
async def _authorize_submit(state: OAuthState, request: Request) -> Response:
    form = await _form(request)
    problem = _check_authorize(state, form)
    if problem is not None:
        return problem
    redirect_uri, client = form["redirect_uri"], state.clients[form["client_id"]]
    if form.get("decision") != "allow":
        return _redirect(
            redirect_uri,
            error="access_denied",
            error_description="end-user denied authorization",
            state=form.get("state") or None,
        )
    user = state.user_by_username(form.get("username", ""))
    if user is None or not hmac.compare_digest(user.password, form.get("password", "")):
        message = "Please check your username and password. If you still can't log in, "
        message += "contact your Salesforce administrator."
        return _login_page(form, error=message, username=form.get("username", ""))
    if not user.active:
        return _login_page(form, error="Your user account is inactive.")
    scope = form.get("scope") or "api refresh_token"
    code = state._new_code(client, user, redirect_uri, form.get("code_challenge"), scope)
    return _redirect(redirect_uri, code=code, state=form.get("state") or None)


@routes.post("/services/oauth2/token", label="token")
async def _token_endpoint(state: OAuthState, request: Request) -> Response:
    form = await _form(request)
    try:
        return JSONResponse(_token(state, request, form, form.get("grant_type", "")))
    except OAuthProblem as problem:
        return problem.response()


@routes.route(("GET", "POST"), "/services/oauth2/revoke", label="revoke")
async def _revoke(state: OAuthState, request: Request) -> Response:
    form = await _form(request)
    token_value = form.get("token") or request.query_params.get("token", "")
    if token_value in state.refresh_tokens:
        state.revoke_refresh_token(token_value)
    elif token_value in state.access_tokens:
        state.access_tokens[token_value].revoked = True
    else:
        return OAuthProblem("invalid_token", "invalid token").response()
    return Response(status_code=200)


@routes.get("/id/{org_id}/{user_id}", label="identity")
async def _identity_endpoint(state: OAuthState, request: Request) -> Response:
    header = request.headers.get("authorization", "")
    user = state.user_for_access_token(header.removeprefix("Bearer ").strip())
    if user is None or request.path_params["user_id"] != user.id:
        return Response("Bad_OAuth_Token", status_code=403)
    return JSONResponse(_identity(state, user))


class OAuthApi(Api[OAuthState]):
    """The login server: mount it at the root of the login host."""

    name = "salesforce_oauth"
    routes = routes

    async def label(self, state: OAuthState, endpoint: Endpoint, request: Request) -> str:
        if endpoint.label != "token":
            return endpoint.label
        return f"token.{(await _form(request)).get('grant_type') or 'missing'}"

    async def handle(
        self, state: OAuthState, endpoint: Endpoint, request: Request, call: Call
    ) -> Response:
        return await endpoint.handler(state, request)

    def failure(self, state: OAuthState, fault: Fault, request: Request) -> Response:
        status = fault.status or 503
        if fault.code:
            return OAuthProblem(fault.code, fault.message or "", status).response()
        return Response("Service Unavailable", status_code=status)


def create_app(state: OAuthState | None = None) -> Starlette:
    """The login server alone (the org's app serves it too)."""
    return build_app(OAuthApi(), state if state is not None else OAuthState())


# --- token --------------------------------------------------------------------------------


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str, str | None]:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:]).decode()
        except (ValueError, UnicodeDecodeError):
            raise OAuthProblem("invalid_client", "invalid client credentials") from None
        client_id, _, secret = decoded.partition(":")
        return client_id, secret
    return form.get("client_id", ""), form.get("client_secret")


def _authenticate_client(state: OAuthState, request: Request, form: dict[str, str]) -> OAuthClient:
    client_id, secret = _client_credentials(request, form)
    client = state.clients.get(client_id)
    if client is None:
        raise OAuthProblem("invalid_client_id", "client identifier invalid")
    if secret is None and client.require_secret:
        raise OAuthProblem("invalid_client", "invalid client credentials")
    if secret is not None and not hmac.compare_digest(secret, client.client_secret):
        raise OAuthProblem("invalid_client", "invalid client credentials")
    return client


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _token(
    state: OAuthState, request: Request, form: dict[str, str], grant_type: str
) -> dict[str, Any]:
    if not grant_type:
        raise OAuthProblem("invalid_request", "grant type is missing")
    if grant_type not in ("authorization_code", "refresh_token"):
        raise OAuthProblem("unsupported_grant_type", "grant type not supported")
    client = _authenticate_client(state, request, form)
    if grant_type == "authorization_code":
        return _code_grant(state, client, form)
    return _refresh_grant(state, client, form)


def _code_grant(state: OAuthState, client: OAuthClient, form: dict[str, str]) -> dict[str, Any]:
    code = state.codes.get(form.get("code", ""))
    if code is None or code.used or code.client_id != client.client_id:
        raise OAuthProblem("invalid_grant", "invalid authorization code")
    code.used = True  # single use, even when the rest of the request is wrong
    if state.clock.time() - code.issued_at > state.code_ttl:
        raise OAuthProblem("invalid_grant", "authorization code expired")
    if form.get("redirect_uri") != code.redirect_uri:
        raise OAuthProblem("redirect_uri_mismatch", "redirect_uri must match configuration")
    verifier = form.get("code_verifier")
    if code.code_challenge is not None or verifier:
        if not verifier or code.code_challenge is None:
            raise OAuthProblem("invalid_grant", "invalid code verifier")
        if not hmac.compare_digest(_s256(verifier), code.code_challenge):
            raise OAuthProblem("invalid_grant", "invalid code verifier")
    user = _active_user(state, code.user_id)
    refresh = None
    if REFRESH_SCOPES & set(code.scope.split()):
        refresh = state._new_refresh_token(client.client_id, user.id, code.scope)
    return _token_body(state, client, user, code.scope, refresh, include_refresh=True)


def _refresh_grant(state: OAuthState, client: OAuthClient, form: dict[str, str]) -> dict[str, Any]:
    grant = state.refresh_tokens.get(form.get("refresh_token", ""))
    if grant is None or grant.revoked or grant.client_id != client.client_id:
        raise OAuthProblem("invalid_grant", "expired access/refresh token")
    user = _active_user(state, grant.user_id)
    refresh = grant.token
    if state.rotate_refresh_tokens:
        grant.revoked = True
        refresh = state._new_refresh_token(client.client_id, user.id, grant.scope)
    return _token_body(
        state, client, user, grant.scope, refresh, include_refresh=state.rotate_refresh_tokens
    )


def _active_user(state: OAuthState, user_id: str) -> OAuthUser:
    user = state.users.get(user_id)
    if user is None or not user.active:
        raise OAuthProblem("inactive_user", "user is inactive")
    return user


def _token_body(
    state: OAuthState,
    client: OAuthClient,
    user: OAuthUser,
    scope: str,
    refresh: str | None,
    *,
    include_refresh: bool,
) -> dict[str, Any]:
    access = state._new_access_token(client.client_id, user.id, refresh)
    identity_url = state.identity_url(user)
    issued_at = str(int(state.clock.time() * 1000))
    mac = hmac.new(client.client_secret.encode(), (identity_url + issued_at).encode(), "sha256")
    body: dict[str, Any] = {
        "access_token": access,
        "signature": base64.b64encode(mac.digest()).decode(),
        "scope": " ".join(sorted(set(scope.split()) | {"id"})),
        "instance_url": user.instance_url,
        "id": identity_url,
        "token_type": "Bearer",
        "issued_at": issued_at,
    }
    if include_refresh and refresh is not None:
        body["refresh_token"] = refresh
    return body


def _identity(state: OAuthState, user: OAuthUser) -> dict[str, Any]:
    version_base = f"{user.instance_url}/services/data/v{{version}}"
    return {
        "id": state.identity_url(user),
        "asserted_user": True,
        "user_id": user.id,
        "organization_id": user.org_id,
        "username": user.username,
        "nick_name": user.display_name,
        "display_name": user.display_name,
        "email": user.email,
        "active": user.active,
        "user_type": "STANDARD",
        "urls": {
            "rest": version_base + "/",
            "sobjects": version_base + "/sobjects/",
            "query": version_base + "/query/",
        },
        "is_app_installed": True,
    }
