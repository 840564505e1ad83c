"""``/oauth/salesforce/start`` and ``/oauth/salesforce/callback``: the browser side of
connecting Salesforce by logging in (the flow itself is :mod:`bot.services.crm_oauth`).

Start sets an HttpOnly, SameSite=Lax cookie that binds the flow to this browser, then
redirects to Salesforce. The callback answers with a short readable page either way and tells
the teammate in Slack how it went when it was their own browser that came back.
"""

from __future__ import annotations

import html
import logging
from typing import Protocol

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.notify.direct import direct_message
from bot.notify.slack_clients import SlackClients
from bot.services.crm_oauth import (
    CALLBACK_PATH,
    STATE_LIFETIME,
    Connected,
    OAuthFlows,
    OAuthRefused,
    browser_cookie_name,
)
from bot.settings import Settings
from bot.views.connect import oauth_connected_message, oauth_failed_message
from bot.views.sign_in import connected_page, refusal_page

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


class SignInDeps(Protocol):
    """What these routes need from the process (the Runtime, in ``app.state.runtime``)."""

    settings: Settings
    oauth: OAuthFlows
    slack_clients: SlackClients

    async def kick(self) -> None: ...


def _runtime(request: Request) -> SignInDeps:
    return request.app.state.runtime


@router.get("/start")
async def start(request: Request, state: str = "") -> Response:
    runtime = _runtime(request)
    cookie = browser_cookie_name(state)
    try:
        url, nonce = await runtime.oauth.start(state, request.cookies.get(cookie))
    except OAuthRefused as exc:
        return _page(*refusal_page(exc), 400)
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
        title, reason = refusal_page(exc)
        if exc.owner is not None:
            failed = oauth_failed_message(exc.owner.crm, reason)
            await direct_message(
                runtime.slack_clients, exc.owner.workspace_id, exc.owner.user_id, *failed
            )
        response: Response = _page(title, reason, 400)
    else:
        await _connected(runtime, connected)
        response = _page(*connected_page(connected.owner.crm, connected.identity), 200)
    response.delete_cookie(cookie, path=COOKIE_PATH)
    return response


async def _connected(runtime: SignInDeps, connected: Connected) -> None:
    owner = connected.owner
    log.info(
        "crm connected by login",
        extra={"workspace_id": owner.workspace_id, "user_id": owner.user_id, "kind": owner.kind},
    )
    # The page says the same, so a Slack failure is only logged.
    done = oauth_connected_message(owner.crm, connected.identity)
    await direct_message(runtime.slack_clients, owner.workspace_id, owner.user_id, *done)
    await runtime.kick()
