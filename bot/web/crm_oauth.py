"""``/oauth/salesforce/start`` and ``/oauth/salesforce/callback``: the browser side of
connecting Salesforce by logging in (the flow itself is :mod:`bot.services.crm_oauth`).

Start sets an HttpOnly, SameSite=Lax cookie that binds the flow to this browser, then
redirects to Salesforce. The callback answers with a short readable page either way and tells
the teammate in Slack how it went when it was their own browser that came back.
"""

from __future__ import annotations

import html
import logging
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from slack_sdk.errors import SlackApiError

from bot.services.crm_oauth import (
    CALLBACK_PATH,
    STATE_LIFETIME,
    Connected,
    FlowOwner,
    OAuthRefused,
    browser_cookie_name,
)
from bot.views.connect import oauth_connected_message, oauth_failed_message

if TYPE_CHECKING:
    from bot.app import Runtime

__all__ = ["router"]

log = logging.getLogger(__name__)

router = APIRouter(prefix="/oauth/salesforce", include_in_schema=False)

COOKIE_PATH = CALLBACK_PATH.rsplit("/", 1)[0]
# The callback URL carries the authorization code: never cache it or pass it on as a referrer.
_PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "X-Content-Type-Options": "nosniff",
}

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · CRM Sync Bot</title>
<style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;
line-height:1.5;color:#1d1c1d}}h1{{font-size:1.4rem}}</style></head>
<body><main><h1>{title}</h1><p>{message}</p></main></body></html>
"""


def _page(title: str, message: str, status: int) -> HTMLResponse:
    body = _PAGE.format(title=html.escape(title), message=html.escape(message))
    return HTMLResponse(body, status_code=status, headers=_PAGE_HEADERS)


def _runtime(request: Request) -> Runtime:
    return request.app.state.runtime


@router.get("/start")
async def start(request: Request, state: str = "") -> Response:
    runtime = _runtime(request)
    cookie = browser_cookie_name(state)
    try:
        url, nonce = await runtime.oauth.start(state, request.cookies.get(cookie))
    except OAuthRefused as exc:
        return _page(exc.title, exc.reason, 400)
    response = RedirectResponse(url, status_code=302, headers={"Cache-Control": "no-store"})
    if nonce:
        response.set_cookie(
            cookie,
            nonce,
            max_age=int(STATE_LIFETIME.total_seconds()),
            path=COOKIE_PATH,
            httponly=True,
            samesite="lax",
            secure=runtime.settings.base_url.startswith("https://"),
        )
    return response


@router.get("/callback")
async def callback(
    request: Request,
    state: str = "",
    code: str | None = None,
    error: str | None = None,
    error_description: str | None = None,
) -> Response:
    runtime = _runtime(request)
    cookie = browser_cookie_name(state)
    try:
        connected = await runtime.oauth.finish(
            state,
            request.cookies.get(cookie),
            code=code,
            error=error,
            error_description=error_description,
        )
    except OAuthRefused as exc:
        if exc.owner is not None:
            await _tell(runtime, exc.owner, *oauth_failed_message(exc.owner.crm, exc.reason))
        response: Response = _page(exc.title, exc.reason, 400)
    else:
        await _connected(runtime, connected)
        response = _page(
            f"Connected to {connected.owner.crm}",
            f"Signed in as {connected.identity}. Syncing starts now; you can close this tab.",
            200,
        )
    response.delete_cookie(cookie, path=COOKIE_PATH)
    return response


async def _connected(runtime: Runtime, connected: Connected) -> None:
    owner = connected.owner
    log.info(
        "crm connected by login",
        extra={"workspace_id": owner.workspace_id, "user_id": owner.user_id, "kind": owner.kind},
    )
    await _tell(runtime, owner, *oauth_connected_message(owner.crm, connected.identity))
    await runtime.kick()


async def _tell(runtime: Runtime, owner: FlowOwner, text: str, blocks: list) -> None:
    """DM the teammate; the page has already said the same, so a Slack failure is logged."""
    client = await runtime.slack_clients.for_workspace(owner.workspace_id)
    if client is None:
        return
    try:
        opened = await client.conversations_open(users=owner.user_id)
        await client.chat_postMessage(channel=opened["channel"]["id"], text=text, blocks=blocks)
    except SlackApiError as exc:
        _not_told(owner, str(exc.response.get("error")))
    except Exception as exc:  # network trouble reaching Slack must not break the page
        _not_told(owner, type(exc).__name__)


def _not_told(owner: FlowOwner, error: str) -> None:
    log.warning(
        "login outcome not posted to Slack",
        extra={"workspace_id": owner.workspace_id, "user_id": owner.user_id, "error": error},
    )
