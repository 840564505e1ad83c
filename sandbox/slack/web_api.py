"""A stand-in for the Slack Web API (aiohttp): the suite's fake Slack and the console's.

    async with SlackWebApi() as slack:
        client = AsyncWebClient(token="xoxb-test", base_url=slack.base_url)
        await client.chat_postMessage(channel="C1", text="hi")
        assert slack.calls_to("chat.postMessage")[0].args["text"] == "hi"

Every request is recorded as a `Call`, whether it is form-encoded, JSON or a GET with a query
string. Form values of `blocks`, `attachments`, `view` and `metadata` that hold JSON are decoded,
so `args` look the same however the client sent them. `POST {root_url}/response_url/<anything>`
stands in for Slack's `response_url` (Bolt's `respond()`): recorded as method "response_url",
and applied to the conversation when the console handed that url out.

What the calls change (messages, ephemeral messages, modal stacks, App Home tabs) is kept in
`workspace` (:class:`sandbox.slack.workspace.Workspace`); `messages`, `views`, `home_views`
and `users` are its tables.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Self

from aiohttp import web

from sandbox.kernel.server import bind
from sandbox.slack.workspace import SlackError, Workspace

__all__ = ["Call", "SlackWebApi"]

Handler = Callable[["Call"], dict[str, Any]]

JSON_FORM_FIELDS = frozenset({"blocks", "attachments", "view", "metadata"})
NO_AUTH_METHODS = frozenset({"api.test", "oauth.v2.access", "oauth.v2.exchange", "response_url"})


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None = None


@dataclass
class _Failure:
    error: str
    status: int
    retry_after: int | None
    extra: dict[str, Any] = field(default_factory=dict)


class SlackWebApi:
    """The Slack Web API on 127.0.0.1 (``port`` 0: a free one), served in this event loop."""

    def __init__(
        self,
        *,
        team_id: str = "T0001",
        team_name: str = "Test Team",
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        app_id: str = "A0001",
        strict_blocks: bool = False,
        port: int = 0,
    ) -> None:
        self.team_id = team_id
        self.team_name = team_name
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        # When True, views and message blocks are checked (view_errors, message_errors) and
        # invalid ones get Slack's `invalid_arguments` / `invalid_blocks` answer.
        self.strict_blocks = strict_blocks
        self.workspace = Workspace(
            team_id=team_id, bot_user_id=bot_user_id, bot_id=bot_id, app_id=app_id
        )

        self.calls: list[Call] = []
        self.bad_tokens: set[str] = set()  # tokens answered with invalid_auth

        self._handlers: dict[str, Handler | dict[str, Any]] = {}
        self._failures: dict[str, deque[_Failure]] = defaultdict(deque)
        self._t0 = int(time.time())
        self._runner: web.AppRunner | None = None
        self.port: int = port

        self._builtin: dict[str, Handler] = {
            "api.test": lambda c: {"ok": True, "args": c.args},
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.delete": self._chat_delete,
            "conversations.open": self._conversations_open,
            "conversations.history": self._conversations_history,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "users.info": self._users_info,
            "team.info": self._team_info,
            "oauth.v2.access": self._oauth_v2_access,
        }

    # ------------------------------------------------------------------ the workspace's tables

    @property
    def users(self) -> dict[str, dict[str, Any]]:
        return self.workspace.users

    @property
    def messages(self) -> dict[tuple[str, str], dict[str, Any]]:
        return self.workspace.messages

    @property
    def views(self) -> dict[str, dict[str, Any]]:
        return self.workspace.views

    @property
    def home_views(self) -> dict[str, dict[str, Any]]:
        return self.workspace.home_views

    # ------------------------------------------------------------------ lifecycle

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/api/"

    def response_url(self, name: str = "1") -> str:
        """A response_url served here (recorded as method "response_url")."""
        return f"{self.root_url}/response_url/{name}"

    async def start(self) -> Self:
        app = web.Application(client_max_size=10 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/response_url/{name:.*}", self._handle_response_url)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = bind(self.port)
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ test helpers

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def last_call(self, method: str) -> Call:
        calls = self.calls_to(method)
        assert calls, f"no call to {method}; calls so far: {[c.method for c in self.calls]}"
        return calls[-1]

    async def wait_for(self, method: str, count: int = 1, within: float = 3.0) -> Call:
        """Wait until `method` has been called `count` times (work done after ack); the last."""
        deadline = time.monotonic() + within
        while len(calls := self.calls_to(method)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{len(calls)} call(s) to {method} after {within}s, expected {count}; "
                    f"calls so far: {[c.method for c in self.calls]}"
                )
            await asyncio.sleep(0.01)
        return calls[-1]

    def reset(self) -> None:
        """Forget recorded calls (state such as messages and views is kept)."""
        self.calls.clear()

    def fail_next(
        self,
        method: str,
        error: str = "ratelimited",
        status: int | None = None,
        retry_after: int | None = 1,
        *,
        times: int = 1,
        **extra: Any,
    ) -> None:
        """Make the next `times` calls to `method` fail with `error`.

        status defaults to 429 for "ratelimited" (with a Retry-After header) and 200 otherwise,
        as Slack answers most errors with HTTP 200 and ok=false. Extra keyword arguments are
        merged into the error body (e.g. needed="chat:write").
        """
        if status is None:
            status = 429 if error == "ratelimited" else 200
        for _ in range(times):
            self._failures[method].append(_Failure(error, status, retry_after, extra))

    def on(self, method: str, response: Handler | dict[str, Any]) -> None:
        """Answer `method` with a fixed body or `response(call) -> body` (overrides built-ins)."""
        self._handlers[method] = response

    # ------------------------------------------------------------------ HTTP plumbing

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _read_args(request)
        token = _bearer(request) or args.pop("token", None)
        args.pop("token", None)
        call = Call(method, args, token)
        self.calls.append(call)

        if failure := self._pop_failure(method):
            return failure
        if method not in NO_AUTH_METHODS:
            if not token:
                return web.json_response({"ok": False, "error": "not_authed"})
            if token in self.bad_tokens:
                return web.json_response({"ok": False, "error": "invalid_auth"})

        handler = self._handlers.get(method) or self._builtin.get(method)
        if handler is None:
            body: dict[str, Any] = {"ok": False, "error": "unknown_method", "req_method": method}
        elif isinstance(handler, dict):
            body = handler
        else:
            try:
                body = handler(call)
            except SlackError as exc:
                body = self._error(exc.error, *exc.messages)
        return web.json_response(body)

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        args = await _read_args(request)
        args.setdefault("_path", request.path)
        self.calls.append(Call("response_url", args, None))
        if failure := self._pop_failure("response_url"):
            return failure
        self.workspace.respond(request.match_info["name"], args)
        return web.json_response({"ok": True})

    def _pop_failure(self, method: str) -> web.Response | None:
        queue = self._failures.get(method)
        if not queue:
            return None
        f = queue.popleft()
        headers = {}
        if f.status == 429 and f.retry_after is not None:
            headers["Retry-After"] = str(f.retry_after)
        body = {"ok": False, "error": f.error, **f.extra}
        return web.json_response(body, status=f.status, headers=headers)

    # ------------------------------------------------------------------ block checks

    def view_errors(self, view: dict[str, Any]) -> list[str]:
        """Problems Slack would refuse a view for (with ``strict_blocks``); none by default:
        the suite plugs in its Block Kit schema (tests.support.fake_slack)."""
        return []

    def message_errors(self, blocks: Any, text: Any) -> list[str]:
        return []

    @staticmethod
    def _error(error: str, *messages: str) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error": error}
        if messages:
            body["response_metadata"] = {"messages": list(messages)}
        return body

    # ------------------------------------------------------------------ methods

    def _auth_test(self, call: Call) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://test-team.slack.com/",
            "team": self.team_name,
            "user": "crm-sync-bot",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "is_enterprise_install": False,
        }

    def _message_problem(self, args: dict[str, Any]) -> SlackError | None:
        if not args.get("channel"):
            return SlackError("channel_not_found")
        if not any(args.get(k) for k in ("text", "blocks", "attachments")):
            return SlackError("no_text")
        blocks = args.get("blocks") if self.strict_blocks else None
        if blocks and (problems := self.message_errors(blocks, args.get("text"))):
            return SlackError("invalid_blocks", *problems)
        return None

    def _check_message(self, args: dict[str, Any]) -> None:
        if problem := self._message_problem(args):
            raise problem

    def _chat_post_message(self, call: Call) -> dict[str, Any]:
        self._check_message(call.args)
        return {"ok": True, **self.workspace.post(str(call.args["channel"]), call.args)}

    def _chat_update(self, call: Call) -> dict[str, Any]:
        if not call.args.get("ts"):
            raise SlackError("message_not_found")
        self._check_message(call.args)
        args = call.args
        return {"ok": True, **self.workspace.update(str(args["channel"]), str(args["ts"]), args)}

    def _chat_post_ephemeral(self, call: Call) -> dict[str, Any]:
        if not call.args.get("user"):
            raise SlackError("user_not_found")
        self._check_message(call.args)
        channel, user = str(call.args["channel"]), str(call.args["user"])
        return {"ok": True, "message_ts": self.workspace.post_ephemeral(channel, user, call.args)}

    def _chat_delete(self, call: Call) -> dict[str, Any]:
        channel, ts = str(call.args.get("channel", "")), str(call.args.get("ts", ""))
        self.workspace.delete(channel, ts)
        return {"ok": True, "channel": channel, "ts": ts}

    def _conversations_open(self, call: Call) -> dict[str, Any]:
        if channel := call.args.get("channel"):
            return {"ok": True, "channel": {"id": channel}}
        users = str(call.args.get("users") or "")
        if not users:
            raise SlackError("users_list_not_supplied")
        first = users.split(",")[0].strip()
        return {"ok": True, "channel": {"id": self.workspace.dm_channel(first)}}

    def _conversations_history(self, call: Call) -> dict[str, Any]:
        channel = str(call.args.get("channel") or "")
        if not channel:
            raise SlackError("channel_not_found")
        limit = int(call.args.get("limit") or 100)
        with_metadata = str(call.args.get("include_all_metadata", "")).lower() in ("1", "true")
        found = self.workspace.history(channel, float(call.args.get("oldest") or 0))
        messages = [
            msg if with_metadata else {k: v for k, v in msg.items() if k != "metadata"}
            for msg in found[:limit]
        ]
        return {"ok": True, "messages": messages, "has_more": len(found) > limit}

    def _view_arg(self, args: dict[str, Any]) -> dict[str, Any]:
        view = args.get("view")
        if not isinstance(view, dict):
            raise SlackError("invalid_arguments", "missing required field: view")
        if self.strict_blocks and (problems := self.view_errors(view)):
            raise SlackError("invalid_arguments", *problems)
        return view

    def _trigger_user(self, args: dict[str, Any]) -> str | None:
        trigger = args.get("trigger_id")
        if not trigger:
            raise SlackError("invalid_arguments", "missing required field: trigger_id")
        return self.workspace.triggers.get(str(trigger))

    def _views_open(self, call: Call) -> dict[str, Any]:
        user = self._trigger_user(call.args)
        view = self._view_arg(call.args)
        return {"ok": True, "view": self.workspace.open_view(view, user)}

    def _views_push(self, call: Call) -> dict[str, Any]:
        user = self._trigger_user(call.args)
        view = self._view_arg(call.args)
        return {"ok": True, "view": self.workspace.push_view(view, user)}

    def _views_update(self, call: Call) -> dict[str, Any]:
        view = self._view_arg(call.args)
        view_id, external_id = call.args.get("view_id"), call.args.get("external_id")
        if not view_id and not external_id:
            raise SlackError("invalid_arguments", "missing required field: view_id")
        current = self.workspace.find_view(view_id, external_id)
        if current is not None and call.args.get("hash") not in (None, current["hash"]):
            raise SlackError("hash_conflict")
        return {"ok": True, "view": self.workspace.update_view(view, current, view_id)}

    def _views_publish(self, call: Call) -> dict[str, Any]:
        user_id = call.args.get("user_id")
        if not user_id:
            raise SlackError("invalid_arguments", "invalid `user_id`")
        view = self._view_arg(call.args)
        current = self.home_views.get(str(user_id))
        if current is not None and call.args.get("hash") not in (None, current["hash"]):
            raise SlackError("hash_conflict")
        return {"ok": True, "view": self.workspace.publish_home(str(user_id), view)}

    def user(self, user_id: str) -> dict[str, Any]:
        """The users.info `user` object for `user_id` (defaults merged with `self.users`)."""
        overrides = self.users.get(user_id, {})
        name = overrides.get("name", f"user-{user_id.lower()}")
        profile = {
            "real_name": name.title(),
            "display_name": name,
            "real_name_normalized": name.title(),
            "display_name_normalized": name,
            "email": f"{name}@example.com",
            "team": self.team_id,
            **overrides.get("profile", {}),
        }
        return {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "deleted": False,
            "real_name": profile["real_name"],
            "tz": "Europe/Berlin",
            "tz_label": "Central European Time",
            "tz_offset": 3600,
            "is_admin": False,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": False,
            "is_app_user": False,
            "updated": self._t0,
            **overrides,
            "profile": profile,
        }

    def _users_info(self, call: Call) -> dict[str, Any]:
        user_id = str(call.args.get("user") or "")
        if not user_id or (user_id not in self.users and user_id[:1] not in ("U", "W")):
            raise SlackError("user_not_found")
        return {"ok": True, "user": self.user(user_id)}

    def _team_info(self, call: Call) -> dict[str, Any]:
        return {
            "ok": True,
            "team": {
                "id": self.team_id,
                "name": self.team_name,
                "domain": "test-team",
                "email_domain": "example.com",
                "icon": {"image_default": True},
            },
        }

    def _oauth_v2_access(self, call: Call) -> dict[str, Any]:
        if not call.args.get("code"):
            raise SlackError("invalid_code")
        return {
            "ok": True,
            "access_token": "xoxb-fake-installed-token",
            "token_type": "bot",
            "scope": "commands,chat:write,chat:write.public,im:write,users:read",
            "bot_user_id": self.bot_user_id,
            "app_id": self.app_id,
            "team": {"id": self.team_id, "name": self.team_name},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": "U0001"},
        }


# ---------------------------------------------------------------------- helpers


def _bearer(request: web.Request) -> str | None:
    auth = request.headers.get("Authorization", "")
    if not auth.startswith("Bearer "):
        return None
    return auth.removeprefix("Bearer ").strip() or None


async def _read_args(request: web.Request) -> dict[str, Any]:
    args: dict[str, Any] = dict(request.query)
    if request.method != "POST" or not request.can_read_body:
        return args
    if request.content_type == "application/json":
        raw = await request.text()
        body = json.loads(raw) if raw.strip() else {}
        if isinstance(body, dict):
            args.update(body)
        else:
            args["_body"] = body
        return args
    form = await request.post()
    for key, value in form.items():
        args[key] = value if isinstance(value, str) else getattr(value, "filename", None)
    for key in JSON_FORM_FIELDS & args.keys():
        value = args[key]
        if isinstance(value, str) and value.lstrip()[:1] in ("[", "{"):
            with contextlib.suppress(ValueError):
                args[key] = json.loads(value)
    return args
