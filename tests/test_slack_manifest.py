"""The Slack app manifests match the code.

Scopes are derived from the code: every Slack Web API method called in ``bot/`` (found in its
syntax tree) is looked up in Slack's method reference (``vendor-apis``: the methods subset,
else Slack's OpenAPI) for its bot scopes. A method that takes one scope per kind of
conversation needs only the kinds the app reaches with it (CONVERSATION_KINDS). The manifest
(and the install URL's scopes) must hold exactly those: none missing, none unused. Commands,
events and interactive surfaces are found the same way, from the listeners' decorators.
"""

from __future__ import annotations

import ast
import json
from collections.abc import AsyncIterator, Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from pydantic import SecretStr

from bot.app import Runtime, create_app
from bot.settings import Settings
from bot.slack_install.oauth import BOT_SCOPES
from tests.conftest import SIGNING_SECRET, eventually
from tests.scenarios.test_slack_install import install
from tests.support import slack_requests as sr
from tests.support.emulators import HostRouter
from tests.support.fake_slack import FakeSlack

ROOT = Path(__file__).resolve().parents[1]
BOT = ROOT / "bot"
VENDOR_PLACES = (ROOT.parent / "shared" / "vendor-apis", Path("/work/shared/vendor-apis"))
CONVERSATION_TYPES = ("channels", "groups", "im", "mpim")

# The conversations the app reaches with each method that needs one scope per kind of
# conversation (channels: public, groups: private, im: DMs, mpim: group DMs).
CONVERSATION_KINDS = {
    # DMs to one teammate (users=<id>): alerts without a channel, reconnect and OAuth news.
    "conversations.open": {"im"},
    # Where an alert went: the channel picked in /crm settings (public or private) or a DM.
    "conversations.history": {"channels", "groups", "im"},
}
# Scopes that no Web API method of the code needs, and why the product asks for them.
EXTRA_SCOPES = {
    "chat:write.public": "alerts reach the public channel picked in /crm settings even when "
    "nobody invited the bot there",
}
# The Events API body of each event the manifest may subscribe to.
EVENTS: dict[str, Callable[[], dict[str, Any]]] = {
    "app_home_opened": sr.app_home_opened_event,
    "app_uninstalled": sr.app_uninstalled_event,
    "tokens_revoked": sr.tokens_revoked_event,
}
REVOCATION_EVENTS = {"app_uninstalled", "tokens_revoked"}
URL_KEYS = {"url", "request_url", "message_menu_options_url", "redirect_urls"}


def manifest(name: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / "slack" / name).read_text())


HTTP = manifest("manifest.yml")
SOCKET = manifest("manifest.socket-mode.yml")
BOTH = pytest.mark.parametrize("app", [HTTP, SOCKET], ids=["http", "socket-mode"])


# --- what the code does ------------------------------------------------------------------


@cache
def _calls() -> tuple[tuple[str, tuple[Any, ...]], ...]:
    """(attribute, constant arguments) of every ``x.attr(...)`` call in bot/."""
    found = []
    for path in sorted(BOT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                constants = tuple(a.value for a in node.args if isinstance(a, ast.Constant))
                found.append((node.func.attr, constants))
    return tuple(found)


def listened(kind: str) -> set[str]:
    """What ``<bolt app>.<kind>("...")`` listeners of bot/ answer (commands, events...),
    whatever the app object is called where they are registered."""
    return {str(args[0]) for attr, args in _calls() if attr == kind and args}


def listens(kind: str) -> bool:
    return any(attr == kind for attr, _ in _calls())


def events_handled() -> set[str]:
    events = listened("event")
    if listens("enable_token_revocation_listeners"):
        events |= REVOCATION_EVENTS
    return events


def methods_called() -> set[str]:
    """Slack Web API methods the code calls, by the SDK's names (``chat_postMessage``)."""
    attributes = {attr for attr, _ in _calls()}
    return {method for method in known_methods() if method.replace(".", "_") in attributes}


# --- Slack's method reference -----------------------------------------------------------


@cache
def vendor_apis() -> Path:
    for place in VENDOR_PLACES:
        if place.is_dir():
            return place
    raise FileNotFoundError(f"Slack's method reference not found in {VENDOR_PLACES}")


@cache
def methods_subset() -> dict[str, Any]:
    return json.loads((vendor_apis() / "slack-methods-subset.json").read_text())["methods"]


@cache
def openapi_paths() -> dict[str, Any]:
    return json.loads((vendor_apis() / "slack-web-openapi-v2.json").read_text())["paths"]


def known_methods() -> set[str]:
    return set(methods_subset()) | {path.strip("/") for path in openapi_paths()}


def method_scopes(method: str) -> set[str]:
    """Bot scopes Slack lists for ``method`` (any one of them is enough)."""
    if method in methods_subset():
        return set(methods_subset()[method]["scope"].get("bot", []))
    operations = openapi_paths()["/" + method].values()
    listed = {
        s for op in operations for auth in op.get("security", []) for s in auth.get("slackAuth", [])
    }
    return listed - {"none"}


def needed_scopes(method: str) -> set[str]:
    scopes = method_scopes(method)
    if not any(s.split(":")[0] in CONVERSATION_TYPES for s in scopes):
        return scopes
    assert method in CONVERSATION_KINDS, (
        f"{method} needs one scope per kind of conversation; add the kinds the app reaches "
        "with it to CONVERSATION_KINDS"
    )
    return {s for s in scopes if s.split(":")[0] in CONVERSATION_KINDS[method]}


def required_scopes() -> dict[str, str]:
    """Each scope the code needs, with what needs it."""
    needs = {scope: method for method in methods_called() for scope in needed_scopes(method)}
    if listened("command"):
        needs["commands"] = "slash commands"
    return needs | EXTRA_SCOPES


def strip_urls(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: strip_urls(v) for k, v in node.items() if k not in URL_KEYS}
    if isinstance(node, list):
        return [strip_urls(v) for v in node]
    return node


# --- the checks -------------------------------------------------------------------------


def test_the_scan_sees_the_calls_and_listeners_the_product_is_built_on() -> None:
    assert {"chat.postMessage", "views.open", "conversations.history", "users.info"} <= (
        methods_called()
    )
    assert listened("command") == {"/crm"}
    assert "app_home_opened" in events_handled()


@BOTH
def test_every_scope_is_needed_and_every_needed_scope_is_requested(app: dict[str, Any]) -> None:
    required = required_scopes()
    declared = app["oauth_config"]["scopes"]["bot"]
    assert len(declared) == len(set(declared)), declared
    missing = {scope: why for scope, why in required.items() if scope not in declared}
    assert not missing, f"scopes the code needs but the manifest lacks: {missing}"
    unused = set(declared) - set(required)
    assert not unused, f"scopes no code needs (Slack's review asks why): {sorted(unused)}"
    assert "user" not in app["oauth_config"]["scopes"]


def test_the_install_url_asks_for_the_manifests_scopes() -> None:
    assert sorted(BOT_SCOPES) == sorted(HTTP["oauth_config"]["scopes"]["bot"])


@BOTH
def test_every_command_event_and_interaction_the_code_handles_is_declared(
    app: dict[str, Any],
) -> None:
    features, settings = app["features"], app["settings"]
    assert {c["command"] for c in features["slash_commands"]} == listened("command")
    assert set(settings["event_subscriptions"]["bot_events"]) == events_handled()
    interactive = any(listens(kind) for kind in ("action", "view", "options", "shortcut"))
    assert settings["interactivity"]["is_enabled"] is interactive
    assert not listens("shortcut") or features.get("shortcuts")
    assert features["app_home"]["home_tab_enabled"] is ("views.publish" in methods_called())
    assert features["app_home"]["messages_tab_enabled"] is (
        "conversations.open" in methods_called()
    )


def test_the_http_manifest_sends_everything_to_slack_events() -> None:
    urls = [c["url"] for c in HTTP["features"]["slash_commands"]]
    settings = HTTP["settings"]
    urls += [
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
    ]
    if listens("options"):  # external selects load their options from this URL
        urls.append(settings["interactivity"]["message_menu_options_url"])
    assert set(urls) == {"https://YOUR-PUBLIC-URL/slack/events"}
    assert HTTP["oauth_config"]["redirect_urls"] == ["https://YOUR-PUBLIC-URL/slack/oauth_redirect"]
    assert settings["socket_mode_enabled"] is False


def test_the_socket_mode_manifest_is_the_http_one_without_request_urls() -> None:
    assert SOCKET["settings"]["socket_mode_enabled"] is True
    over_http = strip_urls(HTTP)
    over_http["settings"]["socket_mode_enabled"] = True
    assert over_http == SOCKET


# --- every declared event is answered, in both modes -------------------------------------


def declared_events() -> Iterator[tuple[str, dict[str, Any]]]:
    for name in HTTP["settings"]["event_subscriptions"]["bot_events"]:
        assert name in EVENTS, f"add an Events API body for {name} to EVENTS"
        yield name, EVENTS[name]()


async def answered(
    http: httpx.AsyncClient, slack: FakeSlack, event: dict[str, Any], done: Callable[[], Any]
) -> None:
    """The app answers the event 200 and finishes what it does with it (``done``)."""
    homes = len(slack.calls_to("views.publish"))
    body, headers = sr.event_callback(SIGNING_SECRET, event)
    response = await http.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 200, (event["type"], response.status_code, response.text)
    if event["type"] == "app_home_opened":
        await slack.wait_for("views.publish", homes + 1)
    await eventually(done)


async def test_single_workspace_mode_answers_every_declared_event(
    http: httpx.AsyncClient, fake_slack: FakeSlack
) -> None:
    for _, event in declared_events():
        await answered(http, fake_slack, event, lambda: True)


@pytest.fixture
async def multi(
    settings: Settings, crm_apps: dict[str, Any]
) -> AsyncIterator[tuple[Runtime, httpx.AsyncClient]]:
    """The app in multi-workspace (OAuth install) mode."""
    oauth = settings.model_copy(
        update={
            "slack_bot_token": None,
            "slack_client_id": "1111.2222",
            "slack_client_secret": SecretStr("client-secret"),
            "public_url": "https://bot.example.com",
        }
    )
    runtime = Runtime(oauth, crm_transport=HostRouter(crm_apps))
    await runtime.start(clock=False)
    transport = httpx.ASGITransport(app=create_app(runtime, clock=False))
    async with httpx.AsyncClient(transport=transport, base_url=oauth.base_url) as client:
        yield runtime, client
    await runtime.stop()


async def test_multi_workspace_mode_answers_every_declared_event(
    multi: tuple[Runtime, httpx.AsyncClient], fake_slack: FakeSlack
) -> None:
    runtime, http = multi

    async def token_deleted() -> bool:
        return await runtime.slack_clients.for_workspace("T0001") is None

    for name, event in declared_events():
        assert (await install(http)).status_code == 200
        done = token_deleted if name in REVOCATION_EVENTS else (lambda: True)
        await answered(http, fake_slack, event, done)
