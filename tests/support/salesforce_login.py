"""Helpers for tests of connecting Salesforce by logging in (the OAuth web-server flow).

url = await login_button_url(user, slack)        # /crm connect salesforce → the button
form = LoginForm.parse(html)                     # the emulator's authorize page
data = form.fill(USERNAME, PASSWORD, "Allow")    # what the browser would post
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from tests.support.blockkit import assert_valid_view
from tests.support.driver import SlackUser
from tests.support.fake_slack import FakeSlack

CLIENT_ID = "3MVG9-test-consumer-key"
CLIENT_SECRET = "test-consumer-secret-0123456789"
USERNAME = "ada@acme.example"
PASSWORD = "correct horse battery staple"
LOGIN_BUTTON = "Log in to Salesforce"


async def newest_view(slack: FakeSlack, count: int) -> dict[str, Any]:
    """The modal the bot opened, once ``count`` views exist (opening happens after the ack);
    every view it sent is checked against the Block Kit schema."""
    from tests.conftest import eventually

    await eventually(lambda: len(slack.views) >= count)
    for call in slack.calls:
        if call.method in ("views.open", "views.update", "views.push"):
            assert_valid_view(call.args["view"])
    return list(slack.views.values())[count - 1]


def button_url(view: dict[str, Any], text: str = LOGIN_BUTTON) -> str:
    for block in view.get("blocks", []):
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("type") == "button" and element["text"]["text"] == text:
                return element["url"]
    raise AssertionError(f"no {text!r} link button in the view")


async def login_button_url(user: SlackUser, slack: FakeSlack) -> str:
    """Type ``/crm connect salesforce`` and return the URL behind the login button."""
    before = len(slack.views)
    await user.command("connect salesforce")
    return button_url(await newest_view(slack, before + 1))


@dataclass
class LoginForm:
    """The first form of a page: where it posts, its inputs and its submit buttons."""

    action: str | None = None
    method: str = "get"
    inputs: dict[str, str] = field(default_factory=dict)
    buttons: dict[str, tuple[str, str]] = field(default_factory=dict)  # text -> (name, value)

    @classmethod
    def parse(cls, html: str) -> LoginForm:
        parser = _FormParser()
        parser.feed(html)
        assert parser.form is not None, f"no form on the page: {html[:300]}"
        return parser.form

    def fill(self, username: str, password: str, button: str) -> dict[str, str]:
        assert "username" in self.inputs and "password" in self.inputs, self.inputs
        assert button in self.buttons, f"no {button!r} button (have {sorted(self.buttons)})"
        data = {**self.inputs, "username": username, "password": password}
        name, value = self.buttons[button]
        if name:
            data[name] = value
        return data


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.form: LoginForm | None = None
        self._done = False
        self._button: dict[str, str] | None = None
        self._button_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and self.form is None:
            self.form = LoginForm(action=a.get("action"), method=a.get("method", "get").lower())
        if self.form is None or self._done:
            return
        kind = a.get("type", "text").lower()
        if tag == "input" and kind == "submit":
            self.form.buttons[a.get("value", "")] = (a.get("name", ""), a.get("value", ""))
        elif tag == "input" and a.get("name"):
            self.form.inputs[a["name"]] = a.get("value", "")
        elif tag == "button":
            self._button, self._button_text = a, ""

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self._button_text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "button" and self._button is not None and self.form is not None:
            text = self._button_text.strip()
            self.form.buttons[text] = (self._button.get("name", ""), self._button.get("value", ""))
            self._button = None
        if tag == "form":
            self._done = True
