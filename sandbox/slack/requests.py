"""Signed Slack HTTP requests, as Slack sends them to an app: each builder returns
`(body, headers)`. The suite sends them to the app under test, the console sends them for
the person clicking.

    body, headers = slash_command(SECRET, "help", response_url=slack.response_url())
    response = await app.async_dispatch(AsyncBoltRequest(body=body, headers=headers))
    # or: await http_client.post("/slack/events", content=body, headers=headers)

Every builder takes the signing options `timestamp=`, `stale=True` (6 minutes old) and
`bad_signature=True` for negative tests.

`response_url` defaults to an address on 127.0.0.1 port 9 that refuses connections, so a test
that forgets to point it at `FakeSlack.response_url()` fails fast instead of calling Slack.
"""

from __future__ import annotations

import copy
import json
import secrets
import time
from collections.abc import Iterable, Iterator
from typing import Any, TypedDict, Unpack
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

__all__ = [
    "API_APP_ID",
    "BOT_ID",
    "BOT_USER_ID",
    "DEFAULT_RESPONSE_URL",
    "STALE_SECONDS",
    "Request",
    "SignOptions",
    "action_for",
    "app_home_opened_event",
    "app_uninstalled_event",
    "block_actions",
    "block_suggestion",
    "element_action",
    "event_callback",
    "fill",
    "new_trigger_id",
    "new_ts",
    "signed",
    "slash_command",
    "state_values",
    "tokens_revoked_event",
    "url_verification",
    "view_closed",
    "view_submission",
]

Request = tuple[str, dict[str, str]]

DEFAULT_RESPONSE_URL = "http://127.0.0.1:9/response_url/unset"
API_APP_ID = "A0001"
BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
STALE_SECONDS = 6 * 60
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


class SignOptions(TypedDict, total=False):
    timestamp: int
    stale: bool
    bad_signature: bool


def signed(
    secret: str,
    body: str,
    content_type: str,
    *,
    timestamp: int | None = None,
    stale: bool = False,
    bad_signature: bool = False,
    extra_headers: dict[str, str] | None = None,
) -> Request:
    """Sign `body` like Slack does (v0 HMAC-SHA256 of `v0:{timestamp}:{body}`)."""
    ts = timestamp if timestamp is not None else int(time.time())
    if stale:
        ts -= STALE_SECONDS
    key = secret + "-wrong" if bad_signature else secret
    signature = SignatureVerifier(key).generate_signature(timestamp=str(ts), body=body)
    assert signature is not None
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": signature,
        **(extra_headers or {}),
    }
    return body, headers


def slash_command(
    secret: str,
    text: str,
    *,
    command: str = "/crm",
    user_id: str = "U0001",
    team_id: str = "T0001",
    channel_id: str = "C0001",
    channel_name: str = "general",
    trigger_id: str | None = None,
    response_url: str | None = None,
    **sign: Unpack[SignOptions],
) -> Request:
    form = {
        "token": "legacy-verification-token",
        "team_id": team_id,
        "team_domain": "test-team",
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": _username(user_id),
        "command": command,
        "text": text,
        "api_app_id": API_APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url or DEFAULT_RESPONSE_URL,
        "trigger_id": trigger_id or new_trigger_id(),
    }
    return signed(secret, urlencode(form), FORM, **sign)


def view_submission(
    secret: str,
    view: dict[str, Any],
    *,
    user_id: str = "U0001",
    team_id: str = "T0001",
    trigger_id: str | None = None,
    response_urls: list[dict[str, Any]] | None = None,
    **sign: Unpack[SignOptions],
) -> Request:
    """A `view_submission` for `view` (callback_id, private_metadata, state...).

    `view` may be a view recorded by FakeSlack (views.open) with `state` filled in, e.g. by
    `fill(view, {"API key": "abc"})`; a top-level `values` key is accepted as shorthand for
    `state.values`.
    """
    payload = {
        "type": "view_submission",
        **_actor(user_id, team_id),
        "trigger_id": trigger_id or new_trigger_id(),
        "view": _view_payload(view, team_id),
        "response_urls": response_urls or [],
    }
    return _interaction(secret, payload, sign)


def view_closed(
    secret: str,
    view: dict[str, Any],
    *,
    user_id: str = "U0001",
    team_id: str = "T0001",
    is_cleared: bool = False,
    **sign: Unpack[SignOptions],
) -> Request:
    payload = {
        "type": "view_closed",
        **_actor(user_id, team_id),
        "view": _view_payload(view, team_id),
        "is_cleared": is_cleared,
    }
    return _interaction(secret, payload, sign)


def block_actions(
    secret: str,
    actions: list[dict[str, Any]],
    *,
    user_id: str = "U0001",
    team_id: str = "T0001",
    channel_id: str | None = None,
    message: dict[str, Any] | None = None,
    container: dict[str, Any] | None = None,
    response_url: str | None = None,
    view: dict[str, Any] | None = None,
    trigger_id: str | None = None,
    **sign: Unpack[SignOptions],
) -> Request:
    """A `block_actions` from a view (pass `view`) or a message (pass `channel_id`/`message`).

    Each action needs `action_id`; `type` defaults to "button", `block_id` to "block".
    Message actions carry a `response_url` (default: the unreachable DEFAULT_RESPONSE_URL).
    """
    payload: dict[str, Any] = {
        "type": "block_actions",
        **_actor(user_id, team_id),
        "trigger_id": trigger_id or new_trigger_id(),
        "actions": [_action(a) for a in actions],
    }
    if view is not None:
        payload["view"] = _view_payload(view, team_id)
        payload["container"] = container or {
            "type": "view",
            "view_id": payload["view"]["id"],
        }
    else:
        if message is not None:
            message = {"type": "message", "ts": new_ts(), "text": "", **message}
        channel = channel_id or "C0001"
        payload["channel"] = {"id": channel, "name": "general"}
        payload["container"] = container or {
            "type": "message",
            "message_ts": (message or {}).get("ts") or new_ts(),
            "channel_id": channel,
            "is_ephemeral": message is None,
        }
        if message is not None:
            payload["message"] = message
        payload["state"] = {"values": {}}
        payload["response_url"] = response_url or DEFAULT_RESPONSE_URL
    if view is not None and response_url is not None:
        payload["response_url"] = response_url
    return _interaction(secret, payload, sign)


def block_suggestion(
    secret: str,
    action_id: str,
    block_id: str,
    value: str,
    *,
    user_id: str = "U0001",
    team_id: str = "T0001",
    view: dict[str, Any] | None = None,
    **sign: Unpack[SignOptions],
) -> Request:
    """An external-select options request (Bolt: `app.options(action_id)`)."""
    payload: dict[str, Any] = {
        "type": "block_suggestion",
        **_actor(user_id, team_id),
        "action_id": action_id,
        "block_id": block_id,
        "value": value,
    }
    if view is not None:
        payload["view"] = _view_payload(view, team_id)
        payload["container"] = {"type": "view", "view_id": payload["view"]["id"]}
    else:
        payload["container"] = {"type": "message", "message_ts": new_ts(), "channel_id": "C0001"}
        payload["channel"] = {"id": "C0001", "name": "general"}
    return _interaction(secret, payload, sign)


def event_callback(
    secret: str,
    event: dict[str, Any],
    *,
    team_id: str = "T0001",
    event_id: str | None = None,
    retry_num: int | None = None,
    retry_reason: str = "http_timeout",
    **sign: Unpack[SignOptions],
) -> Request:
    """An Events API delivery; pass the same `event_id` with `retry_num` for a Slack retry."""
    now = int(time.time())
    body = {
        "token": "legacy-verification-token",
        "team_id": team_id,
        "api_app_id": API_APP_ID,
        "event": {"event_ts": f"{now}.000100", **event},
        "type": "event_callback",
        "event_id": event_id or f"Ev{secrets.token_hex(5).upper()}",
        "event_time": now,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{secrets.token_hex(16)}",
    }
    extra = {}
    if retry_num is not None:
        extra = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
    return signed(secret, json.dumps(body), JSON, extra_headers=extra, **sign)


def url_verification(
    secret: str, challenge: str = "challenge-token", **sign: Unpack[SignOptions]
) -> Request:
    body = {
        "token": "legacy-verification-token",
        "challenge": challenge,
        "type": "url_verification",
    }
    return signed(secret, json.dumps(body), JSON, **sign)


# ---------------------------------------------------------------------- events


def app_home_opened_event(user_id: str = "U0001", *, tab: str = "home") -> dict[str, Any]:
    return {"type": "app_home_opened", "user": user_id, "channel": "D" + user_id, "tab": tab}


def app_uninstalled_event() -> dict[str, Any]:
    return {"type": "app_uninstalled"}


def tokens_revoked_event(
    *, bot: Iterable[str] = (BOT_USER_ID,), oauth: Iterable[str] = ()
) -> dict[str, Any]:
    return {"type": "tokens_revoked", "tokens": {"oauth": list(oauth), "bot": list(bot)}}


# ---------------------------------------------------------------------- view state


def state_values(spec: dict[str, dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """`view.state.values` from {block_id: {action_id: entry}}.

    An entry is a full state dict ({"type": "static_select", "selected_option": {...}}) or a
    plain string/None, shorthand for a plain_text_input value.
    """
    return {
        block_id: {
            action_id: (
                dict(entry)
                if isinstance(entry, dict)
                else {"type": "plain_text_input", "value": entry}
            )
            for action_id, entry in actions.items()
        }
        for block_id, actions in spec.items()
    }


def fill(view: dict[str, Any], answers: dict[str, Any] | None = None) -> dict[str, Any]:
    """A copy of `view` with `state.values` as Slack would send them on submit.

    Every input block gets its initial value (or an empty one); `answers` overrides them by
    the input's visible label (or its block_id). Values: a string for text inputs, an option
    value or option text for static selects / radio buttons, a list of those for multi
    selects / checkboxes, a user/channel/conversation id (or list) for those pickers, a value
    or {"text": ..., "value": ...} for external selects, "YYYY-MM-DD" / "HH:MM" for pickers.
    """
    answers = dict(answers or {})
    values: dict[str, dict[str, Any]] = {}
    for block in _input_blocks(view):
        element = block["element"]
        label = block.get("label", {}).get("text")
        block_id = block.get("block_id") or label
        key = next((k for k in (label, block_id) if k in answers), None)
        entry = _state_entry(element, answers.pop(key) if key is not None else _INITIAL)
        values[block_id] = {element.get("action_id", "action"): entry}
    if answers:
        labels = [b.get("label", {}).get("text") for b in _input_blocks(view)]
        raise KeyError(f"no input labelled {sorted(answers)} in the view; inputs: {labels}")
    filled = copy.deepcopy(view)
    filled["state"] = {"values": values}
    return filled


def action_for(
    source: dict[str, Any] | list[dict[str, Any]], key: str, value: Any = None
) -> dict[str, Any]:
    """The `actions[0]` Slack sends when the user uses element `key` in a view or blocks.

    `key` is an action_id, a button's text or an input's label. `value` picks an option
    (selects, radio buttons), sets a text input or a picker; buttons send their own value.
    """
    blocks = source.get("blocks", []) if isinstance(source, dict) else source
    for block in blocks:
        for element in elements_of(block):
            names = {element.get("action_id"), (element.get("text") or {}).get("text")}
            if block.get("type") == "input":
                names.add((block.get("label") or {}).get("text"))
            if key in names:
                return element_action(block, element, value)
    raise KeyError(f"no element {key!r} (action_id, button text or input label) in the blocks")


def element_action(block: dict[str, Any], element: dict[str, Any], value: Any = None) -> dict:
    """The action Slack sends for `element` of `block` (see `action_for` for `value`)."""
    action = {
        "action_id": element.get("action_id"),
        "block_id": block.get("block_id"),
        "action_ts": new_ts(),
    }
    if element.get("type") == "button":
        action.update(
            type="button",
            text=element["text"],
            **({"value": element["value"]} if "value" in element else {}),
        )
    else:
        action.update(_state_entry(element, value))
    return action


_INITIAL = object()
_PICKERS = {
    "users_select": ("selected_user", "initial_user"),
    "multi_users_select": ("selected_users", "initial_users"),
    "conversations_select": ("selected_conversation", "initial_conversation"),
    "multi_conversations_select": ("selected_conversations", "initial_conversations"),
    "channels_select": ("selected_channel", "initial_channel"),
    "multi_channels_select": ("selected_channels", "initial_channels"),
    "datepicker": ("selected_date", "initial_date"),
    "timepicker": ("selected_time", "initial_time"),
    "datetimepicker": ("selected_date_time", "initial_date_time"),
}
_TEXT_INPUTS = {"plain_text_input", "email_text_input", "url_text_input", "number_input"}
_SINGLE_OPTION = {"static_select", "radio_buttons", "external_select"}
_MULTI_OPTION = {"multi_static_select", "checkboxes", "multi_external_select"}


def _state_entry(element: dict[str, Any], answer: Any) -> dict[str, Any]:
    kind = element.get("type", "plain_text_input")
    entry: dict[str, Any] = {"type": kind}
    initial = answer is _INITIAL
    if kind in _TEXT_INPUTS:
        value = element.get("initial_value") if initial else answer
        entry["value"] = None if value is None else str(value)
    elif kind in _SINGLE_OPTION:
        option = element.get("initial_option") if initial else _option(element, answer)
        entry["selected_option"] = option
    elif kind in _MULTI_OPTION:
        options = (
            element.get("initial_options", [])
            if initial
            else [_option(element, a) for a in answer or []]
        )
        entry["selected_options"] = options
    elif kind in _PICKERS:
        selected, initial_key = _PICKERS[kind]
        entry[selected] = element.get(initial_key) if initial else answer
    elif kind == "file_input":
        entry["files"] = [] if initial else list(answer or [])
    elif kind == "rich_text_input":
        entry["rich_text_value"] = element.get("initial_value") if initial else _rich_text(answer)
    else:
        entry["value"] = None if initial else answer
    return entry


def _option(element: dict[str, Any], answer: Any) -> dict[str, Any] | None:
    if answer is None or isinstance(answer, dict):
        return answer
    if element.get("type", "").endswith("external_select"):
        return {"text": {"type": "plain_text", "text": str(answer)}, "value": str(answer)}
    options = list(_all_options(element))
    for option in options:
        if answer in (option.get("value"), option.get("text", {}).get("text")):
            return option
    choices = [(o.get("value"), o.get("text", {}).get("text")) for o in options]
    raise KeyError(f"option {answer!r} not in {element.get('action_id')!r}; options: {choices}")


def _all_options(element: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from element.get("options", [])
    for group in element.get("option_groups", []):
        yield from group.get("options", [])


def _rich_text(answer: Any) -> Any:
    if answer is None or isinstance(answer, dict):
        return answer
    section = {"type": "rich_text_section", "elements": [{"type": "text", "text": str(answer)}]}
    return {"type": "rich_text", "elements": [section]}


def _input_blocks(view: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for block in view.get("blocks", []):
        if block.get("type") == "input" and isinstance(block.get("element"), dict):
            yield block


def elements_of(block: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if isinstance(block.get("element"), dict):
        yield block["element"]
    if isinstance(block.get("accessory"), dict):
        yield block["accessory"]
    for element in block.get("elements", []):
        if isinstance(element, dict) and "action_id" in element:
            yield element


# ---------------------------------------------------------------------- internals


def new_trigger_id() -> str:
    return f"{secrets.randbelow(10**13)}.{secrets.randbelow(10**12)}.{secrets.token_hex(16)}"


def new_ts() -> str:
    return f"{time.time():.6f}"


def _username(user_id: str) -> str:
    return f"user-{user_id.lower()}"


def _actor(user_id: str, team_id: str) -> dict[str, Any]:
    return {
        "user": {
            "id": user_id,
            "username": _username(user_id),
            "name": _username(user_id),
            "team_id": team_id,
        },
        "api_app_id": API_APP_ID,
        "token": "legacy-verification-token",
        "team": {"id": team_id, "domain": "test-team"},
        "enterprise": None,
        "is_enterprise_install": False,
    }


def _view_payload(view: dict[str, Any], team_id: str) -> dict[str, Any]:
    view = dict(view)
    if "values" in view:
        view["state"] = {"values": view.pop("values")}
    elif not (view.get("state") or {}).get("values"):
        view["state"] = fill(view)["state"]  # Slack always sends every input's current value
    view_id = view.get("id") or f"V{secrets.token_hex(5).upper()}"
    return {
        "id": view_id,
        "team_id": team_id,
        "type": "modal",
        "blocks": [],
        "private_metadata": "",
        "callback_id": "",
        "state": {"values": {}},
        "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
        "title": {"type": "plain_text", "text": "Modal", "emoji": True},
        "clear_on_close": False,
        "notify_on_close": False,
        "close": None,
        "submit": None,
        "previous_view_id": None,
        "root_view_id": view_id,
        "app_id": API_APP_ID,
        "external_id": "",
        "app_installed_team_id": team_id,
        "bot_id": BOT_ID,
        **view,
    }


def _action(action: dict[str, Any]) -> dict[str, Any]:
    if "action_id" not in action:
        raise ValueError(f"action without action_id: {action}")
    return {"type": "button", "block_id": "block", "action_ts": new_ts(), **action}


def _interaction(secret: str, payload: dict[str, Any], sign: SignOptions) -> Request:
    return signed(secret, urlencode({"payload": json.dumps(payload)}), FORM, **sign)
