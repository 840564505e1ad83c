"""Helpers for tests of connecting Salesforce by logging in (the OAuth web-server flow).

url = await login_button_url(user, slack)        # /crm connect salesforce → the button
form = LoginForm.parse(html)                     # the emulator's authorize page
data = form.fill(USERNAME, PASSWORD, "Allow")    # what the browser would post
callback = await sign_in(http, browser, url, USERNAME, PASSWORD)   # all of it, as a browser
await http.get(path_of(callback))                # back to the app: the connection is made

``http`` is a client of the app (it keeps the app's cookies, like a browser), ``browser`` one
of the emulator's login host.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from tests.support.driver import SlackUser, opened_view
from tests.support.fake_slack import FakeSlack

CLIENT_ID = "3MVG9-test-consumer-key"
CLIENT_SECRET = "test-consumer-secret-0123456789"
USERNAME = "ada@acme.example"
PASSWORD = "correct horse battery staple"
LOGIN_BUTTON = "Log in to Salesforce"


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
    return button_url(await opened_view(slack, before + 1))


def path_of(url: str) -> str:
    """The path and query of an absolute URL of the app (its client has the base URL)."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


async def open_start(http: httpx.AsyncClient, start_url: str) -> str:
    """Open the link from Slack in the app; returns the Salesforce authorize URL."""
    assert "/oauth/salesforce/start?state=" in start_url, start_url
    response = await http.get(path_of(start_url))
    assert response.status_code == 302, response.text
    return response.headers["location"]


async def submit_login(
    browser: httpx.AsyncClient,
    authorize_url: str,
    username: str,
    password: str,
    button: str = "Allow",
) -> httpx.Response:
    """Fill in Salesforce's login page and press ``button``; Salesforce's answer."""
    assert "/services/oauth2/authorize?" in authorize_url, authorize_url
    page = await browser.get(authorize_url)
    assert page.status_code == 200, page.text
    form = LoginForm.parse(page.text)
    target = urljoin(authorize_url, form.action or authorize_url)
    return await browser.post(target, data=form.fill(username, password, button))


async def sign_in(
    http: httpx.AsyncClient,
    browser: httpx.AsyncClient,
    start_url: str,
    username: str,
    password: str,
    button: str = "Allow",
) -> str:
    """From the link in Slack to Salesforce's redirect back to the app: the callback URL."""
    authorize_url = await open_start(http, start_url)
    answer = await submit_login(browser, authorize_url, username, password, button)
    assert answer.status_code in (302, 303), answer.text
    callback = answer.headers["location"]
    assert "/oauth/salesforce/callback?" in callback, callback
    return callback


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
