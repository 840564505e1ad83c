"""Salesforce OAuth 2.0 web-server flow with PKCE, through Authlib's httpx client.

Vendor facts relied on (vendor notes A2, Salesforce "OAuth 2.0 Web Server Flow" and "Refresh
Token Flow" help pages):

* ``GET {login}/services/oauth2/authorize`` takes ``response_type=code``, ``client_id``,
  ``redirect_uri`` (must equal the connected app's callback), ``scope``, ``state`` and the PKCE
  ``code_challenge`` (base64url SHA-256 of the verifier).
* ``POST {login}/services/oauth2/token`` (form encoded) exchanges the code with ``client_id``,
  ``client_secret``, ``redirect_uri`` and ``code_verifier``; the answer carries
  ``access_token``, ``refresh_token`` (only with the ``refresh_token`` scope), ``instance_url``,
  ``id`` (identity URL), ``issued_at`` and ``signature`` but **no** ``expires_in``: an access
  token lives as long as the org's session timeout and its end shows up as HTTP 401.
* The refresh grant answers the same shape without a new refresh token (unless the app
  rotates refresh tokens, which this module tolerates: a returned one is passed on).
* Errors are HTTP 400 (sometimes 401) ``{"error", "error_description"}``; ``invalid_grant``
  on refresh means the refresh token was revoked or expired and only a new login helps.
* ``POST {login}/services/oauth2/revoke`` with ``token=`` revokes a token (a refresh token
  takes its access tokens with it); 200 on success, 400 ``invalid_token`` when unknown.

Client credentials go in the form body (``client_secret_post``), as Salesforce documents.
No error message built here contains a token, code or secret.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.deprecate import AuthlibDeprecationWarning

with warnings.catch_warnings():
    # Authlib prefers the httpx2 package when installed and warns on plain httpx, which it
    # still supports; the project uses httpx everywhere.
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.common.security import generate_token
    from authlib.integrations.base_client import OAuthError
    from authlib.integrations.httpx_client import AsyncOAuth2Client
    from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
    from authlib.oauth2.rfc7636 import create_s256_code_challenge

from bot.connectors.errors import AuthError, ConfigError, SystemError_, TransientError

__all__ = [
    "SCOPE",
    "TokenGrant",
    "authorize_url",
    "exchange_code",
    "new_code_verifier",
    "refresh_access_token",
    "revoke",
]

SCOPE = "api refresh_token"
AUTHORIZE_PATH = "/services/oauth2/authorize"
TOKEN_PATH = "/services/oauth2/token"
REVOKE_PATH = "/services/oauth2/revoke"
VERIFIER_LENGTH = 64  # RFC 7636 allows 43..128 characters
TIMEOUT_SECONDS = 20.0
DESCRIPTION_CHARS = 200

RECONNECT = "The teammate must reconnect Salesforce (/crm connect salesforce) to resume syncing."


@dataclass(frozen=True)
class TokenGrant:
    """What a successful token call gives: keep ``refresh_token`` and ``instance_url``."""

    access_token: str
    refresh_token: str | None
    instance_url: str
    identity_url: str | None

    def __repr__(self) -> str:  # tokens never appear in logs or tracebacks
        return f"TokenGrant(instance_url={self.instance_url!r}, identity_url={self.identity_url!r})"


def new_code_verifier() -> str:
    """A fresh PKCE code verifier (unreserved characters only, as RFC 7636 requires)."""
    return generate_token(VERIFIER_LENGTH)


def authorize_url(
    login_url: str, client_id: str, redirect_uri: str, state: str, code_verifier: str
) -> str:
    """Where to send the teammate's browser to log in and allow access."""
    return prepare_grant_uri(
        _endpoint(login_url, AUTHORIZE_PATH),
        client_id=client_id,
        response_type="code",
        redirect_uri=redirect_uri,
        scope=SCOPE,
        state=state,
        code_challenge=create_s256_code_challenge(code_verifier),
        code_challenge_method="S256",
    )


async def exchange_code(
    login_url: str,
    client_id: str,
    client_secret: str,
    code: str,
    redirect_uri: str,
    code_verifier: str,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> TokenGrant:
    """Trade the authorization code from the callback for tokens."""
    async with _client(client_id, client_secret, transport) as client:
        token = await _token_call(
            "exchange the login code",
            client.fetch_token(
                _endpoint(login_url, TOKEN_PATH),
                grant_type="authorization_code",
                code=code,
                redirect_uri=redirect_uri,
                code_verifier=code_verifier,
            ),
        )
    return _grant(token, "the login code exchange")


async def refresh_access_token(
    login_url: str,
    client_id: str,
    client_secret: str,
    refresh_token: str,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> TokenGrant:
    """A new access token from the stored refresh token. ``refresh_token`` of the result is
    the rotated token when Salesforce issued one, else None (keep the stored one)."""
    async with _client(client_id, client_secret, transport) as client:
        client.token = {"access_token": "", "token_type": "Bearer"}
        token = await _token_call(
            "refresh the access token",
            client.refresh_token(_endpoint(login_url, TOKEN_PATH), refresh_token=refresh_token),
            refreshing=True,
        )
    rotated = token.get("refresh_token")
    grant = _grant(token, "the token refresh")
    # Authlib copies the old refresh token into the answer when none came back.
    fresh = rotated if isinstance(rotated, str) and rotated != refresh_token else None
    return TokenGrant(grant.access_token, fresh, grant.instance_url, grant.identity_url)


async def revoke(
    login_url: str, token: str, *, transport: httpx.AsyncBaseTransport | None = None
) -> None:
    """Revoke an access or refresh token (disconnect). An already unknown token is fine."""
    async with _client(transport=transport) as client:
        try:
            response = await client.revoke_token(_endpoint(login_url, REVOKE_PATH), token=token)
        except httpx.RequestError as exc:
            raise TransientError(
                f"Could not reach Salesforce to revoke access ({type(exc).__name__})."
            ) from None
    if response.status_code == 400 and _error_code(response) in ("invalid_token", None):
        return  # already revoked or expired: the goal is reached
    if response.status_code >= 500:
        raise TransientError(
            f"Salesforce had a server problem (HTTP {response.status_code}) revoking access.",
            status=response.status_code,
        )
    if not response.is_success:
        raise ConfigError(
            f"Salesforce refused to revoke access (HTTP {response.status_code}, "
            f"{_error_code(response) or 'no error code'}).",
            status=response.status_code,
            code=_error_code(response),
        )


# --- helpers ------------------------------------------------------------------------------


def _no_client_auth(client: Any, method: str, uri: str, headers: Any, body: str) -> Any:
    """Revocation needs only the token: send no client credentials."""
    return uri, headers, body


def _client(
    client_id: str | None = None,
    client_secret: str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        client_id=client_id,
        client_secret=client_secret,
        token_endpoint_auth_method="client_secret_post",
        revocation_endpoint_auth_method=_no_client_auth,
        code_challenge_method="S256",
        transport=transport,
        timeout=TIMEOUT_SECONDS,
    )


def _endpoint(login_url: str, path: str) -> str:
    base = (login_url or "").strip().rstrip("/")
    if not base.startswith(("https://", "http://")):
        raise ConfigError(
            "The Salesforce login URL setting (SALESFORCE_LOGIN_URL) is not an http(s) address."
        )
    return base + path


async def _token_call(action: str, call: Any, *, refreshing: bool = False) -> dict[str, Any]:
    try:
        return dict(await call)
    except OAuthError as exc:
        raise _oauth_error(action, exc.error, exc.description, refreshing) from None
    except httpx.HTTPStatusError as exc:
        status = exc.response.status_code
        if status >= 500:
            raise TransientError(
                f"Salesforce had a server problem (HTTP {status}) when we tried to {action}; "
                "it will be retried.",
                status=status,
            ) from None
        raise AuthError(
            f"Salesforce refused to {action} (HTTP {status}) without saying why.", status=status
        ) from None
    except httpx.RequestError as exc:
        raise TransientError(
            f"Could not reach Salesforce to {action} ({type(exc).__name__}); it will be retried."
        ) from None
    except ValueError:
        raise SystemError_(
            f"Salesforce answered the request to {action} with something other than JSON."
        ) from None


def _oauth_error(
    action: str, code: str | None, description: str | None, refreshing: bool
) -> AuthError | TransientError:
    said = _describe(description)
    if code == "invalid_grant" and refreshing:
        return AuthError(
            "Salesforce no longer accepts this connection: its access was revoked or has "
            f"expired (invalid_grant{said}). {RECONNECT}",
            code="invalid_grant",
        )
    if code == "invalid_grant":
        return AuthError(
            "Salesforce did not accept the login code: it expired, was already used, or the "
            f"PKCE check failed (invalid_grant{said}). Start the connection again.",
            code="invalid_grant",
        )
    if code in ("invalid_client_id", "invalid_client"):
        return AuthError(
            f"Salesforce does not recognise this app's client id or secret ({code}{said}). "
            "Check SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET against the connected app.",
            code=code,
        )
    if code == "redirect_uri_mismatch":
        return AuthError(
            "Salesforce refused the callback address: it must equal the connected app's "
            f"Callback URL (redirect_uri_mismatch{said}).",
            code=code,
        )
    if code in ("inactive_user", "inactive_org"):
        return AuthError(
            f"The Salesforce user or org is inactive ({code}{said}). {RECONNECT}", code=code
        )
    if code == "rate_limit_exceeded":
        return TransientError(
            f"Salesforce limited login attempts (rate_limit_exceeded{said}); try again later.",
            code=code,
        )
    label = code or "no error code"
    return AuthError(f"Salesforce refused to {action} ({label}{said}).", code=code)


def _describe(description: str | None) -> str:
    if not description:
        return ""
    text = " ".join(str(description).split())[:DESCRIPTION_CHARS]
    return f": {text}"


def _error_code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    code = body.get("error") if isinstance(body, dict) else None
    return code if isinstance(code, str) else None


def _grant(token: dict[str, Any], action: str) -> TokenGrant:
    access_token = token.get("access_token")
    instance_url = token.get("instance_url")
    if not isinstance(access_token, str) or not access_token:
        raise SystemError_(f"Salesforce answered {action} without an access token.")
    if not isinstance(instance_url, str) or not instance_url.startswith(("https://", "http://")):
        raise SystemError_(f"Salesforce answered {action} without a usable instance_url.")
    refresh_token = token.get("refresh_token")
    identity_url = token.get("id")
    return TokenGrant(
        access_token=access_token,
        refresh_token=refresh_token if isinstance(refresh_token, str) else None,
        instance_url=instance_url.rstrip("/"),
        identity_url=identity_url if isinstance(identity_url, str) else None,
    )
