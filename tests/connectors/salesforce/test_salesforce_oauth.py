"""The OAuth client (Authlib) against the emulated Salesforce login server."""

from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from bot.connectors.errors import AuthError, TransientError
from bot.connectors.salesforce import oauth
from sandbox.kernel import ManualClock
from sandbox.salesforce.oauth import OAuthState
from sandbox.salesforce.oauth import create_app as login_server

LOGIN = "https://login.salesforce.test"
INSTANCE = "https://acme.my.salesforce.test"
CLIENT_ID, CLIENT_SECRET = "3MVG9-test-client", "test-client-secret"
CALLBACK = "https://bot.test/oauth/salesforce/callback"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(1_800_000_000.0)


@pytest.fixture
def state(clock: ManualClock) -> OAuthState:
    s = OAuthState(login_url=LOGIN, clock=clock)
    s.add_client(CLIENT_ID, CLIENT_SECRET, [CALLBACK])
    s.add_user("jane@acme.test", "pa55word!", INSTANCE)
    return s


@pytest.fixture
def transport(state: OAuthState) -> httpx.ASGITransport:
    return httpx.ASGITransport(app=login_server(state))


async def log_in(
    transport: httpx.AsyncBaseTransport,
    url: str,
    *,
    decision: str = "allow",
    password: str = "pa55word!",
) -> httpx.Response:
    """What the teammate's browser does: open the login page, fill it in, press a button."""
    async with httpx.AsyncClient(transport=transport) as browser:
        page = await browser.get(url)
        assert page.status_code == 200, page.text
        hidden = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
        assert ">Allow</button>" in page.text and 'name="username"' in page.text
        form = {**hidden, "username": "jane@acme.test", "password": password}
        form["decision"] = decision
        return await browser.post(f"{LOGIN}/services/oauth2/authorize", data=form)


def query(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(CALLBACK)
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def test_authorize_url_carries_pkce_s256_challenge_and_scope() -> None:
    verifier = oauth.new_code_verifier()
    assert len(verifier) >= 48
    url = oauth.authorize_url(LOGIN, CLIENT_ID, CALLBACK, "st-1", verifier)
    params = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    assert url.startswith(f"{LOGIN}/services/oauth2/authorize?")
    assert params == {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": CALLBACK,
        "scope": "api refresh_token",
        "state": "st-1",
        "code_challenge": expected.decode().rstrip("="),
        "code_challenge_method": "S256",
    }


async def test_full_web_server_flow_then_refresh_and_revoke(
    state: OAuthState, transport: httpx.ASGITransport
) -> None:
    verifier = oauth.new_code_verifier()
    url = oauth.authorize_url(LOGIN, CLIENT_ID, CALLBACK, "st-2", verifier)
    back = query(await log_in(transport, url))
    assert back["state"] == "st-2"

    grant = await oauth.exchange_code(
        LOGIN, CLIENT_ID, CLIENT_SECRET, back["code"], CALLBACK, verifier, transport=transport
    )
    assert grant.instance_url == INSTANCE
    assert grant.refresh_token in state.active_refresh_tokens()
    assert state.user_for_access_token(grant.access_token).username == "jane@acme.test"
    assert grant.identity_url and grant.identity_url.startswith(f"{LOGIN}/id/")
    assert grant.access_token not in repr(grant) and grant.refresh_token not in repr(grant)

    state.expire_access_tokens()
    assert state.user_for_access_token(grant.access_token) is None
    refreshed = await oauth.refresh_access_token(
        LOGIN, CLIENT_ID, CLIENT_SECRET, grant.refresh_token, transport=transport
    )
    assert refreshed.refresh_token is None  # Salesforce keeps the old one valid
    assert state.user_for_access_token(refreshed.access_token) is not None
    assert state.calls["token.refresh_token"] == 1

    await oauth.revoke(LOGIN, grant.refresh_token, transport=transport)
    assert state.user_for_access_token(refreshed.access_token) is None
    with pytest.raises(AuthError) as exc_info:
        await oauth.refresh_access_token(
            LOGIN, CLIENT_ID, CLIENT_SECRET, grant.refresh_token, transport=transport
        )
    assert exc_info.value.code == "invalid_grant"
    assert "reconnect" in exc_info.value.reason.lower()
    assert grant.refresh_token not in exc_info.value.reason
    # Revoking again is not an error: the token is gone either way.
    await oauth.revoke(LOGIN, grant.refresh_token, transport=transport)


async def test_code_is_single_use_and_needs_the_right_verifier(
    transport: httpx.ASGITransport,
) -> None:
    verifier = oauth.new_code_verifier()
    url = oauth.authorize_url(LOGIN, CLIENT_ID, CALLBACK, "s", verifier)
    code = query(await log_in(transport, url))["code"]
    with pytest.raises(AuthError, match="invalid_grant"):
        await oauth.exchange_code(
            LOGIN, CLIENT_ID, CLIENT_SECRET, code, CALLBACK, "wrong" * 10, transport=transport
        )
    # The failed attempt used the code up.
    with pytest.raises(AuthError, match="invalid_grant"):
        await oauth.exchange_code(
            LOGIN, CLIENT_ID, CLIENT_SECRET, code, CALLBACK, verifier, transport=transport
        )


async def test_code_expires_after_fifteen_minutes(
    transport: httpx.ASGITransport, clock: ManualClock
) -> None:
    verifier = oauth.new_code_verifier()
    url = oauth.authorize_url(LOGIN, CLIENT_ID, CALLBACK, "s", verifier)
    code = query(await log_in(transport, url))["code"]
    clock.advance(15 * 60 + 1)
    with pytest.raises(AuthError) as exc_info:
        await oauth.exchange_code(
            LOGIN, CLIENT_ID, CLIENT_SECRET, code, CALLBACK, verifier, transport=transport
        )
    assert "expired" in exc_info.value.reason


async def test_wrong_secret_and_unknown_client_are_explained(
    state: OAuthState, transport: httpx.ASGITransport
) -> None:
    token = state.grant_refresh_token(CLIENT_ID, "jane@acme.test")
    with pytest.raises(AuthError) as exc_info:
        await oauth.refresh_access_token(LOGIN, CLIENT_ID, "nope", token, transport=transport)
    assert exc_info.value.code == "invalid_client"
    assert "SALESFORCE_CLIENT_SECRET" in exc_info.value.reason
    with pytest.raises(AuthError) as exc_info:
        await oauth.refresh_access_token(LOGIN, "other", CLIENT_SECRET, token, transport=transport)
    assert exc_info.value.code == "invalid_client_id"


async def test_token_endpoint_outage_is_transient(
    state: OAuthState, transport: httpx.ASGITransport
) -> None:
    token = state.grant_refresh_token(CLIENT_ID, "jane@acme.test")
    state.inject_fault("token.*", status=503)
    with pytest.raises(TransientError):
        await oauth.refresh_access_token(
            LOGIN, CLIENT_ID, CLIENT_SECRET, token, transport=transport
        )


async def test_deny_redirects_with_access_denied(transport: httpx.ASGITransport) -> None:
    url = oauth.authorize_url(LOGIN, CLIENT_ID, CALLBACK, "s-3", oauth.new_code_verifier())
    back = query(await log_in(transport, url, decision="deny"))
    assert back["error"] == "access_denied" and back["state"] == "s-3"
    assert "code" not in back


async def test_wrong_password_shows_the_form_again(transport: httpx.ASGITransport) -> None:
    url = oauth.authorize_url(LOGIN, CLIENT_ID, CALLBACK, "s", oauth.new_code_verifier())
    page = await log_in(transport, url, password="bad")
    assert page.status_code == 200
    assert "check your username and password" in page.text


async def test_authorize_rejects_unknown_callback_and_missing_pkce(
    transport: httpx.ASGITransport,
) -> None:
    async with httpx.AsyncClient(transport=transport) as browser:
        bad_callback = oauth.authorize_url(
            LOGIN, CLIENT_ID, "https://evil.test/cb", "s", oauth.new_code_verifier()
        )
        page = await browser.get(bad_callback)
        assert page.status_code == 400 and "redirect_uri_mismatch" in page.text
        no_pkce = await browser.get(
            f"{LOGIN}/services/oauth2/authorize",
            params={"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": CALLBACK},
        )
        assert query(no_pkce)["error"] == "invalid_request"


async def test_seeded_refresh_token_works_without_a_browser(
    state: OAuthState, transport: httpx.ASGITransport
) -> None:
    token = state.grant_refresh_token(CLIENT_ID, "jane@acme.test")
    grant = await oauth.refresh_access_token(
        LOGIN, CLIENT_ID, CLIENT_SECRET, token, transport=transport
    )
    assert grant.instance_url == INSTANCE
    state.revoke_refresh_token(token)
    assert state.user_for_access_token(grant.access_token) is None


async def test_rotated_refresh_token_is_passed_on(
    state: OAuthState, transport: httpx.ASGITransport
) -> None:
    state.rotate_refresh_tokens = True
    token = state.grant_refresh_token(CLIENT_ID, "jane@acme.test")
    grant = await oauth.refresh_access_token(
        LOGIN, CLIENT_ID, CLIENT_SECRET, token, transport=transport
    )
    assert grant.refresh_token and grant.refresh_token != token
    assert state.active_refresh_tokens() == [grant.refresh_token]
