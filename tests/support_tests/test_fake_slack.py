"""Self-tests of the Slack test support: fake Web API, signed requests, outreach signing."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs

import pytest
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from tests.support import slack_requests as sr
from tests.support.fake_slack import FakeSlack
from tests.support.outreach import OMIT, make_event, make_events, outreach_request, sign_outreach

SECRET = "test-signing-secret"

MODAL = {
    "type": "modal",
    "callback_id": "connect",
    "title": {"type": "plain_text", "text": "Connect a CRM"},
    "submit": {"type": "plain_text", "text": "Save"},
    "blocks": [
        {
            "type": "input",
            "block_id": "crm",
            "label": {"type": "plain_text", "text": "CRM"},
            "element": {
                "type": "static_select",
                "action_id": "crm",
                "options": [
                    {"text": {"type": "plain_text", "text": "Ashby"}, "value": "ashby"},
                    {"text": {"type": "plain_text", "text": "Crelate"}, "value": "crelate"},
                ],
            },
        },
        {
            "type": "input",
            "block_id": "api_key",
            "label": {"type": "plain_text", "text": "API key"},
            "element": {"type": "plain_text_input", "action_id": "api_key"},
        },
    ],
}


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


@pytest.fixture
def client(slack: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token="xoxb-test", base_url=slack.base_url)


async def test_web_client_calls_are_recorded(slack: FakeSlack, client: AsyncWebClient) -> None:
    auth = await client.auth_test()
    assert (auth["team_id"], auth["user_id"], auth["bot_id"]) == ("T0001", "UBOT", "BBOT")

    first = await client.chat_postMessage(channel="C1", text="hi", blocks=[{"type": "divider"}])
    second = await client.chat_postMessage(channel="U0001", text="dm")
    assert float(second["ts"]) > float(first["ts"])
    assert second["channel"] == "DU0001"
    await client.chat_update(channel="C1", ts=first["ts"], text="edited")
    assert slack.messages[("C1", first["ts"])]["text"] == "edited"

    im = await client.conversations_open(users="U0002")
    assert im["channel"]["id"] == "DU0002"
    slack.users["U0002"] = {"is_admin": True}
    user = await client.users_info(user="U0002")
    assert user["user"]["is_admin"] and not user["user"]["is_owner"]
    assert (await client.team_info())["team"]["id"] == "T0001"

    call = slack.calls_to("chat.postMessage")[0]
    assert call.token == "xoxb-test"
    assert call.args == {"channel": "C1", "text": "hi", "blocks": [{"type": "divider"}]}
    assert slack.last_call("conversations.open").args["users"] == "U0002"


async def test_views_and_form_bodies(slack: FakeSlack, client: AsyncWebClient) -> None:
    opened = await client.views_open(trigger_id="1.2.3", view=MODAL)
    view = opened["view"]
    assert view["id"].startswith("V") and view["callback_id"] == "connect" and view["hash"]

    # form-encoded, with the view as a JSON string: recorded as a decoded object
    updated = await client.api_call(
        "views.update",
        data={"view_id": view["id"], "hash": view["hash"], "view": json.dumps(MODAL)},
    )
    assert updated["view"]["id"] == view["id"]
    assert slack.last_call("views.update").args["view"] == MODAL

    with pytest.raises(SlackApiError) as stale:
        await client.views_update(view_id=view["id"], hash=view["hash"], view=MODAL)
    assert stale.value.response["error"] == "hash_conflict"

    home = {"type": "home", "blocks": [{"type": "divider"}]}
    published = await client.views_publish(user_id="U0001", view=home)
    assert slack.home_views["U0001"]["id"] == published["view"]["id"]

    with pytest.raises(SlackApiError) as unknown:
        await client.api_call("nope.nothing")
    assert unknown.value.response["error"] == "unknown_method"


async def test_fail_next_and_retry(
    slack: FakeSlack, client: AsyncWebClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    slack.fail_next("chat.postMessage", retry_after=0)
    with pytest.raises(SlackApiError) as limited:
        await client.chat_postMessage(channel="C1", text="x")
    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["Retry-After"] == "0"

    monkeypatch.setattr("slack_sdk.http_retry.builtin_async_handlers.random.random", lambda: 0)

    slack.fail_next("chat.postMessage", retry_after=0)
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=1))
    assert (await client.chat_postMessage(channel="C1", text="y"))["ok"]
    assert len(slack.calls_to("chat.postMessage")) == 3

    slack.fail_next("views.open", error="expired_trigger_id")
    with pytest.raises(SlackApiError) as expired:
        await client.views_open(trigger_id="t", view=MODAL)
    assert expired.value.response.status_code == 200
    assert expired.value.response["error"] == "expired_trigger_id"


async def test_strict_blocks_rejects_invalid_views(client: AsyncWebClient) -> None:
    async with FakeSlack(strict_blocks=True) as strict:
        client = AsyncWebClient(token="xoxb-test", base_url=strict.base_url)
        bad = {**MODAL, "title": {"type": "plain_text", "text": "x" * 25}}
        with pytest.raises(SlackApiError) as err:
            await client.views_open(trigger_id="t", view=bad)
        assert "$.title.text" in err.value.response["response_metadata"]["messages"][0]


def test_signed_requests_verify() -> None:
    verifier = SignatureVerifier(SECRET)
    body, headers = sr.slash_command(SECRET, "add seq-42 jane@acme.com")
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(body)["text"] == ["add seq-42 jane@acme.com"]
    assert verifier.is_valid_request(body, headers)

    body, headers = sr.event_callback(SECRET, sr.app_home_opened_event("U0001"), retry_num=1)
    assert verifier.is_valid_request(body, headers) and headers["X-Slack-Retry-Num"] == "1"
    assert json.loads(body)["event"]["type"] == "app_home_opened"

    assert not verifier.is_valid_request(*sr.slash_command(SECRET, "x", stale=True))
    assert not verifier.is_valid_request(*sr.slash_command(SECRET, "x", bad_signature=True))


def test_fill_and_action_for() -> None:
    view = sr.fill(MODAL, {"CRM": "Crelate", "API key": "abc"})
    assert view["state"]["values"] == {
        "crm": {
            "crm": {
                "type": "static_select",
                "selected_option": MODAL["blocks"][0]["element"]["options"][1],
            }
        },
        "api_key": {"api_key": {"type": "plain_text_input", "value": "abc"}},
    }
    with pytest.raises(KeyError):
        sr.fill(MODAL, {"Nope": "x"})
    action = sr.action_for(MODAL, "crm", "ashby")
    assert action["selected_option"]["value"] == "ashby" and action["block_id"] == "crm"
    assert sr.state_values({"b": {"a": "x"}}) == {
        "b": {"a": {"type": "plain_text_input", "value": "x"}}
    }


def test_outreach_signature_and_events() -> None:
    event = make_event(type="email.replied", sentiment="interested", contact={"title": OMIT})
    assert event["id"].startswith("evt_") and event["occurred_at"].endswith("Z")
    assert event["contact"]["email"] == "jane@acme.com" and "title" not in event["contact"]
    assert len({e["contact"]["email"] for e in make_events(3)}) == 3

    body, headers = outreach_request("s3cret", [event], timestamp=1_700_000_000)
    expected = hmac.new(b"s3cret", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert headers["X-Outreach-Signature"] == f"v1={expected}"
    assert sign_outreach("s3cret", body, 1_700_000_000) == headers


async def test_bolt_round_trip(slack: FakeSlack, client: AsyncWebClient) -> None:
    app = AsyncApp(signing_secret=SECRET, token="xoxb-test", client=client)
    seen: dict[str, Any] = {}

    @app.command("/crm")
    async def crm(ack: Any, body: dict[str, Any], respond: Any, client: AsyncWebClient) -> None:
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=MODAL)
        await respond(text=f"got {body['text']}")

    @app.view("connect")
    async def submit(ack: Any, view: dict[str, Any]) -> None:
        seen["values"] = view["state"]["values"]
        await ack(response_action="errors", errors={"api_key": "Invalid key"})

    @app.action("retry")
    async def retry(ack: Any, action: dict[str, Any], respond: Any) -> None:
        await ack()
        await respond(text=f"retrying {action['value']}", replace_original=True)

    @app.event("app_home_opened")
    async def home(event: dict[str, Any], client: AsyncWebClient) -> None:
        await client.views_publish(user_id=event["user"], view={"type": "home", "blocks": []})

    @app.options("crm_search")
    async def options(ack: Any, body: dict[str, Any]) -> None:
        await ack(options=[{"text": {"type": "plain_text", "text": body["value"]}, "value": "1"}])

    async def dispatch(request: sr.Request) -> Any:
        body, headers = request
        return await app.async_dispatch(AsyncBoltRequest(body=body, headers=headers))

    response = await dispatch(sr.slash_command(SECRET, "help", response_url=slack.response_url()))
    assert response.status == 200
    # Bolt acknowledges first and runs the rest of the listener after: wait for it.
    assert (await slack.wait_for("response_url")).args["text"] == "got help"
    opened = (await slack.wait_for("views.open")).args["view"]

    response = await dispatch(sr.view_submission(SECRET, sr.fill(opened, {"API key": "k"})))
    assert json.loads(response.body)["response_action"] == "errors"
    assert seen["values"]["api_key"]["api_key"]["value"] == "k"

    response = await dispatch(sr.block_suggestion(SECRET, "crm_search", "b", "acme", view=MODAL))
    assert json.loads(response.body)["options"][0]["text"]["text"] == "acme"

    retry_button = {"action_id": "retry", "block_id": "b", "value": "jane@acme.com"}
    url = slack.response_url("2")
    await dispatch(sr.block_actions(SECRET, [retry_button], message={}, response_url=url))
    assert (await slack.wait_for("response_url", 2)).args["text"] == "retrying jane@acme.com"

    await dispatch(sr.event_callback(SECRET, sr.app_home_opened_event("U0007")))
    published = await slack.wait_for("views.publish")  # Bolt runs it after the ack
    assert published.args["user_id"] == "U0007"

    assert (await dispatch(sr.slash_command(SECRET, "help", bad_signature=True))).status == 401
