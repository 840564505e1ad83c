"""What Slack keeps for one workspace: people and channels, channel messages and ephemeral
ones, modals stacked per person, App Home tabs, and the response_urls and trigger_ids it
hands out with commands and actions.

The Web API stand-in (:mod:`sandbox.slack.web_api`) changes it on the app's calls; the
console changes it on a person's clicks and reads it to draw the page. Every change bumps
``version``, which :meth:`Workspace.changed_since` waits on.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass
from typing import Any

__all__ = ["MAX_STACK", "ResponseTarget", "SlackError", "Workspace"]

MAX_STACK = 3  # modals stacked with views.push


class SlackError(Exception):
    """A Web API error code (``ok: false``), with Slack's explanation lines if any."""

    def __init__(self, error: str, *messages: str):
        super().__init__(error)
        self.error = error
        self.messages = list(messages)


@dataclass
class ResponseTarget:
    """Where posts to one response_url land: ``channel`` and ``user`` of the command or
    action, and ``message_ts`` of the message the action came from (or of the last reply
    posted through this url), ephemeral or not."""

    channel: str
    user: str
    message_ts: str | None = None
    ephemeral: bool = True


class Workspace:
    def __init__(self, *, team_id: str, bot_user_id: str, bot_id: str, app_id: str) -> None:
        self.team_id, self.bot_user_id, self.bot_id, self.app_id = (
            team_id,
            bot_user_id,
            bot_id,
            app_id,
        )
        self.users: dict[str, dict[str, Any]] = {}  # user id -> overrides for users.info
        self.channels: dict[str, dict[str, Any]] = {}  # channel id -> {"name", "is_private"}
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}  # (channel, ts) -> message
        self.ephemerals: dict[tuple[str, str], dict[str, Any]] = {}  # with the "user" seeing it
        self.views: dict[str, dict[str, Any]] = {}  # view id -> current view (modals and homes)
        self.home_views: dict[str, dict[str, Any]] = {}  # user id -> published home view
        self.stacks: dict[str, list[str]] = {}  # user id -> open modal view ids, root first
        self.view_errors: dict[str, dict[str, str]] = {}  # view id -> inline errors by block
        self.triggers: dict[str, str] = {}  # trigger_id -> the user whose act made it
        self.response_urls: dict[str, ResponseTarget] = {}
        self.version = 0
        self._changed = asyncio.Event()
        self._counter = itertools.count(1)
        self._last_us = 0

    # ------------------------------------------------------------------ change notification

    def touch(self) -> None:
        self.version += 1
        self._changed.set()
        self._changed = asyncio.Event()

    async def changed_since(self, version: int) -> int:
        """The version once it differs from ``version`` (wrap in ``asyncio.timeout``)."""
        if self.version == version:
            await self._changed.wait()
        return self.version

    # ------------------------------------------------------------------ ids

    def next_ts(self) -> str:
        """A message timestamp: the time now, unique and increasing within the workspace."""
        self._last_us = max(time.time_ns() // 1000, self._last_us + 1)
        return f"{self._last_us // 1_000_000}.{self._last_us % 1_000_000:06d}"

    def next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._counter):08X}"

    def view_hash(self) -> str:
        return f"{int(time.time())}.{next(self._counter):08x}"

    @staticmethod
    def dm_channel(user_id: str) -> str:
        return "D" + user_id

    def channel_for(self, channel: str) -> str:
        """Posting to a user id posts to the bot's DM with that user."""
        return self.dm_channel(channel) if channel[:1] in ("U", "W") else channel

    # ------------------------------------------------------------------ messages

    def message(self, args: dict[str, Any], ts: str, **extra: Any) -> dict[str, Any]:
        msg: dict[str, Any] = {
            "user": self.bot_user_id,
            "type": "message",
            "ts": ts,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "text": args.get("text", ""),
            "team": self.team_id,
            **extra,
        }
        for key in ("blocks", "attachments", "metadata", "thread_ts"):
            if key in args:
                msg[key] = args[key]
        return msg

    def post(self, channel: str, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = self.channel_for(channel), self.next_ts()
        msg = self.message(args, ts)
        self.messages[(channel, ts)] = msg
        self.touch()
        return {"channel": channel, "ts": ts, "message": msg}

    def update(self, channel: str, ts: str, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.channel_for(channel)
        msg = self.message(args, ts)
        self.messages[(channel, ts)] = msg
        self.touch()
        return {"channel": channel, "ts": ts, "text": msg["text"], "message": msg}

    def delete(self, channel: str, ts: str) -> None:
        if self.messages.pop((self.channel_for(channel), ts), None) is None:
            raise SlackError("message_not_found")
        self.touch()

    def post_ephemeral(self, channel: str, user: str, args: dict[str, Any], **extra: Any) -> str:
        """A message only ``user`` sees; ``extra`` marks it (the console's Slackbot notes)."""
        ts = self.next_ts()
        message = self.message(args, ts, user_seeing=user, **extra)
        self.ephemerals[(self.channel_for(channel), ts)] = message
        self.touch()
        return ts

    def history(self, channel: str, oldest: float) -> list[dict[str, Any]]:
        """A channel's messages since ``oldest``, newest first (ephemeral ones are not kept)."""
        found = [
            m for (ch, ts), m in self.messages.items() if ch == channel and float(ts) >= oldest
        ]
        return sorted(found, key=lambda m: float(m["ts"]), reverse=True)

    # ------------------------------------------------------------------ response_url

    def add_response_url(self, name: str, target: ResponseTarget) -> None:
        self.response_urls[name] = target

    def respond(self, name: str, body: dict[str, Any]) -> None:
        """Apply a post to a response_url handed out by the console; others are only
        recorded (tests make up their own)."""
        target = self.response_urls.get(name)
        if target is None:
            return
        original = (target.channel, target.message_ts or "")
        store = self.ephemerals if target.ephemeral else self.messages
        if _flag(body.get("delete_original")):
            store.pop(original, None)
        elif _flag(body.get("replace_original")) and original in store:
            extra = {"user_seeing": target.user} if target.ephemeral else {}
            store[original] = self.message(body, original[1], **extra)
        elif body.get("response_type") == "in_channel":
            target.message_ts, target.ephemeral = self.post(target.channel, body)["ts"], False
        else:
            target.message_ts = self.post_ephemeral(target.channel, target.user, body)
            target.ephemeral = True
        self.touch()

    # ------------------------------------------------------------------ views

    def store_view(self, view: dict[str, Any], view_id: str, **extra: Any) -> dict[str, Any]:
        stored: dict[str, Any] = {
            "id": view_id,
            "team_id": self.team_id,
            "type": view.get("type", "modal"),
            "title": None,
            "submit": None,
            "close": None,
            "blocks": [],
            "private_metadata": "",
            "callback_id": "",
            "external_id": "",
            "state": {"values": {}},
            "clear_on_close": False,
            "notify_on_close": False,
            "root_view_id": view_id,
            "previous_view_id": None,
            "app_id": self.app_id,
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
            **view,
            **extra,
            "hash": self.view_hash(),
        }
        self.views[view_id] = stored
        self.view_errors.pop(view_id, None)
        self.touch()
        return stored

    def open_view(self, view: dict[str, Any], user: str | None) -> dict[str, Any]:
        """A new modal for ``user`` (whose act made the trigger_id): it replaces any open one."""
        stored = self.store_view(view, self.next_id("V"))
        if user is not None:
            self.stacks[user] = [stored["id"]]
        return stored

    def push_view(self, view: dict[str, Any], user: str | None) -> dict[str, Any]:
        stack = self.stacks.get(user or "")
        if not stack:
            return self.open_view(view, user)
        if len(stack) >= MAX_STACK:
            raise SlackError("push_limit_reached")
        stored = self.store_view(
            view, self.next_id("V"), root_view_id=stack[0], previous_view_id=stack[-1]
        )
        stack.append(stored["id"])
        return stored

    def find_view(self, view_id: str | None, external_id: str | None) -> dict[str, Any] | None:
        if view_id:
            return self.views.get(view_id)
        if external_id:
            found = (v for v in self.views.values() if v.get("external_id") == external_id)
            return next(found, None)
        return None

    def update_view(
        self, view: dict[str, Any], current: dict[str, Any] | None, view_id: str | None
    ) -> dict[str, Any]:
        if current is None:
            return self.store_view(view, view_id or self.next_id("V"))
        keep = {k: current[k] for k in ("root_view_id", "previous_view_id")}
        return self.store_view(view, current["id"], **keep)

    def publish_home(self, user: str, view: dict[str, Any]) -> dict[str, Any]:
        current = self.home_views.get(user)
        stored = self.store_view(view, current["id"] if current else self.next_id("V"))
        self.home_views[user] = stored
        return stored

    def modal_stack(self, user: str) -> list[dict[str, Any]]:
        return [self.views[v] for v in self.stacks.get(user, []) if v in self.views]

    def close_view(self, user: str, view_id: str) -> list[dict[str, Any]]:
        """Close ``view_id`` and whatever is stacked on it (the whole stack when the view
        says ``clear_on_close``); the views closed, top first."""
        stack = self.stacks.get(user, [])
        if view_id not in stack:
            return []
        cut = 0 if self.views[view_id].get("clear_on_close") else stack.index(view_id)
        closed = [self.views[v] for v in reversed(stack[cut:])]
        del stack[cut:]
        self.touch()
        return closed

    def answer_submission(self, user: str, view_id: str, answer: dict[str, Any]) -> None:
        """What Slack does with the app's answer to a view_submission."""
        action = answer.get("response_action")
        if action == "errors":
            self.view_errors[view_id] = dict(answer.get("errors") or {})
            self.touch()
        elif action == "update":
            self.update_view(answer["view"], self.views.get(view_id), view_id)
        elif action == "push":
            self.push_view(answer["view"], user)
        elif action == "clear":
            self.stacks.pop(user, None)
            self.touch()
        else:
            self._pop(user, view_id)

    def _pop(self, user: str, view_id: str) -> None:
        stack = self.stacks.get(user, [])
        if view_id in stack:
            del stack[stack.index(view_id) :]
            self.touch()


def _flag(value: Any) -> bool:
    return value is True or str(value).lower() == "true"
