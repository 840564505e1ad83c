"""The console's web server (aiohttp, loopback only): the page, its state as JSON, a stream
of "something changed" notices (server-sent events), and one POST route per act.

    GET  /                         the page (static/index.html and its modules)
    GET  /console/state?user=U…    what that person sees (page.page_state)
    GET  /console/events           "data: <version>" each time the workspace changes
    POST /console/command          {user, channel, text}
    POST /console/action           {user, surface, value, answers}
    POST /console/submit           {user, view_id, answers}
    POST /console/close            {user, view_id}
    POST /console/options          {user, surface, query}
    POST /console/home             {user}
    GET  /console/outreach?user=   POST /console/outreach/add  POST /console/outreach/send
    GET  /console/crms             GET  /console/crms/{kind}
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from aiohttp import web

from sandbox.console.acts import Acts, Outcome, Surface
from sandbox.console.crms import Crm, read_crm
from sandbox.console.outreach_tool import OutreachTool
from sandbox.console.page import page_state
from sandbox.slack.workspace import Workspace

__all__ = ["Console"]

STATIC = Path(__file__).parent / "static"
PING_SECONDS = 15.0

Body = dict[str, Any]


class Console:
    def __init__(
        self,
        workspace: Workspace,
        acts: Acts,
        outreach: OutreachTool,
        crms: list[Crm],
        http: httpx.AsyncClient,
    ):
        self.workspace = workspace
        self.acts = acts
        self.outreach = outreach
        self.crms = {crm.kind: crm for crm in crms}
        self.http = http

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/", self.index)
        app.router.add_static("/static", STATIC)
        app.router.add_get("/console/state", self.state)
        app.router.add_get("/console/events", self.events)
        acts: dict[str, Callable[[Body], Awaitable[Any]]] = {
            "command": lambda b: self.acts.command(b["user"], b["channel"], b["text"]),
            "action": lambda b: self.acts.act(
                b["user"], _surface(b["surface"]), b.get("value"), b.get("answers") or {}
            ),
            "submit": lambda b: self.acts.submit(b["user"], b["view_id"], b.get("answers") or {}),
            "close": lambda b: self.acts.close(b["user"], b["view_id"]),
            "options": lambda b: self.acts.options(
                b["user"], _surface(b["surface"]), b.get("query", "")
            ),
            "home": lambda b: self.acts.open_home(b["user"]),
            "outreach/add": lambda b: self.outreach.add(b["user"], b["sequence"], b["emails"]),
            "outreach/send": lambda b: self.outreach.send(
                b["user"], b["sequence_id"], b["email"], b["event"]
            ),
        }
        for name, act in acts.items():
            app.router.add_post(f"/console/{name}", _posted(act))
        app.router.add_get("/console/outreach", self.outreach_state)
        app.router.add_get("/console/crms", self.crm_list)
        app.router.add_get("/console/crms/{kind}", self.crm)
        return app

    async def index(self, request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / "index.html")

    async def state(self, request: web.Request) -> web.Response:
        return _json(page_state(self.workspace, request.query.get("user", "U0001")))

    async def events(self, request: web.Request) -> web.StreamResponse:
        """One line per change; a comment now and then keeps the connection open."""
        stream = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await stream.prepare(request)
        version = -1
        with contextlib.suppress(ConnectionResetError):
            while True:
                try:
                    async with asyncio.timeout(PING_SECONDS):
                        version = await self.workspace.changed_since(version)
                    await stream.write(f"data: {version}\n\n".encode())
                except TimeoutError:
                    await stream.write(b": ping\n\n")
        return stream

    async def outreach_state(self, request: web.Request) -> web.Response:
        return _json(self.outreach.state(request.query.get("user", "U0001")))

    async def crm_list(self, request: web.Request) -> web.Response:
        return _json([crm.to_json() for crm in self.crms.values()])

    async def crm(self, request: web.Request) -> web.Response:
        crm = self.crms.get(request.match_info["kind"])
        if crm is None:
            raise web.HTTPNotFound()
        return _json(await read_crm(self.http, crm))


def _surface(spec: Body) -> Surface:
    return Surface(
        block=int(spec["block"]),
        slot=spec["slot"],
        channel=spec.get("channel"),
        ts=spec.get("ts"),
        view_id=spec.get("view_id"),
    )


def _posted(act: Callable[[Body], Awaitable[Any]]) -> Callable[[web.Request], Awaitable[Any]]:
    """A POST route: JSON in, the act's outcome out; a page out of date gets 409."""

    async def route(request: web.Request) -> web.Response:
        body = await request.json()
        try:
            result = await act(body)
        except (KeyError, IndexError, ValueError) as exc:
            return _json({"ok": False, "error": f"the page is out of date: {exc}"}, 409)
        if isinstance(result, Outcome):
            return _json(result.__dict__)
        return _json(result)

    return route


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(
        text=json.dumps(data, default=str), status=status, content_type="application/json"
    )
