"""`make sandbox`, toured in a real browser the way a newcomer would.

``python -m sandbox console`` runs as `make sandbox` runs it (on free ports): the app as a
child process on its embedded defaults, the five CRM emulators, the Slack stand-in and the
console. Everything below happens through the console page only: Slack's surfaces drawn from
Block Kit, the outreach tool beside them, the emulators' records in the side panel. It ends
with Ctrl-C, which stops everything.

The screenshots the README shows are taken on the way: into a temporary folder, or into
docs/screenshots with ``UPDATE_SCREENSHOTS=1``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Locator, Page, expect

from tests.support.browser import PAGE_TIMEOUT_MS, launch, needs_chromium, new_page

PROJECT = Path(__file__).resolve().parents[2]
STOP_SECONDS = 30
VIEWPORT = {"width": 1440, "height": 900}

# Syncing happens in the background, on the app's 1-second clock: room for a loaded machine.
expect.set_options(timeout=PAGE_TIMEOUT_MS)

pytestmark = [
    needs_chromium,
    pytest.mark.skipif(
        os.environ.get("TEST_DB") == "postgres",
        reason="the sandbox always runs the app on SQLite (its embedded default)",
    ),
]


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], dict[str, Any]]]:
    command = [
        *(sys.executable, "-m", "sandbox", "console", "--json"),
        *("--port", "0", "--app-port", "0", "--crm-port", "0"),
        *("--workdir", str(tmp_path / "sandbox")),
    ]
    process = subprocess.Popen(command, cwd=PROJECT, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line, f"`{' '.join(command)}` exited with {process.wait(STOP_SECONDS)}"
    yield process, json.loads(line)
    if process.poll() is None:
        process.kill()
        process.wait(STOP_SECONDS)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async for chromium in launch():
        yield chromium


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    if os.environ.get("UPDATE_SCREENSHOTS"):
        return PROJECT / "docs" / "screenshots"
    return tmp_path


class Console:
    """The console page, used by label and text as a person would."""

    def __init__(self, page: Page, shots: Path):
        self.page = page
        self.shots = shots

    async def command(self, text: str) -> None:
        box = self.page.get_by_label("Message")
        await box.fill(text)
        await box.press("Enter")

    def modal(self, title: str) -> Locator:
        return self.page.get_by_role("dialog", name=title)

    def message(self, text: str) -> Locator:
        return self.page.locator(".message", has_text=text)

    async def go(self, place: str) -> None:
        await self.page.get_by_role("button", name=place).click()

    async def tool(self, name: str) -> Locator:
        await self.page.get_by_role("tab", name=name, exact=True).click()
        return self.page.locator("#tool-panel")

    async def credential(self, crm: str, label: str) -> str:
        await self.tool(crm)
        drawn = self.page.locator(f'#tool-panel[data-crm="{crm.lower()}"]')
        return await drawn.locator(f'[data-credential="{label}"]').inner_text()

    async def save_settings(self, mode: str, **choices: str) -> None:
        await self.command("/crm settings")
        modal = self.modal("Ashby settings")
        await modal.get_by_label(mode).check()
        if job := choices.get("job"):
            await modal.get_by_label("Default job").click()
            await self.page.get_by_role("option", name=job).click()
        if channel := choices.get("channel"):
            await modal.get_by_label("Alert channel").select_option(label=channel)
        await modal.get_by_role("button", name="Save").click()
        await expect(modal).to_be_hidden()

    async def screenshot(self, name: str) -> None:
        await self.page.screenshot(path=self.shots / f"{name}.png")


async def connect_ashby(console: Console) -> None:
    key = await console.credential("Ashby", "API key")
    await console.go("# general")
    await console.command("/crm connect ashby")
    modal = console.modal("Connect Ashby")
    await modal.get_by_label("API key").fill("not-the-key")
    await modal.get_by_role("button", name="Connect").click()
    await expect(modal.get_by_role("alert")).to_contain_text("Ashby")  # refused inline
    await modal.get_by_label("API key").fill(key)
    await modal.get_by_role("button", name="Connect").click()
    done = console.modal("Ashby connected")
    await expect(done).to_contain_text("Connected to Ashby")
    await done.get_by_role("button", name="Done").click()
    await expect(done).to_be_hidden()


async def add_samples_and_keep_jane(console: Console) -> None:
    tool = await console.tool("Outreach tool")
    await tool.get_by_role("button", name="Add to sequence").click()
    await expect(tool.get_by_role("status")).to_contain_text("3 accepted")
    await console.go("# recruiting")
    alert = console.message("Exists in Ashby")
    await expect(alert).to_contain_text("jane@example.com")
    await expect(alert).to_have_count(1)
    await console.screenshot("console-alert")
    await alert.get_by_role("button", name="Keep syncing").click()
    await expect(console.message("kept syncing")).to_be_visible()


async def priya_replies(console: Console) -> None:
    tool = await console.tool("Outreach tool")
    email = "priya.patel@example.com"
    await tool.get_by_label(f"Event for {email}").select_option("Replied: interested")
    await tool.get_by_role("button", name=f"Send for {email}").click()
    await expect(tool.get_by_role("status")).to_contain_text("1 accepted")
    ashby = await console.tool("Ashby")
    application = ashby.locator(".record", has_text="Priya Patel").filter(has_text="Lead")
    await expect(application).to_contain_text("Senior Software Engineer")
    note = ashby.locator(".record", has_text="interested")
    await expect(note.first).to_be_visible()
    await console.screenshot("console-records")


async def resync(console: Console) -> None:
    await console.save_settings("When a contact is added to a sequence")
    await console.go("# general")
    await console.command("/crm resync Senior Backend Q4")
    preview = console.modal("Resync")
    await expect(preview).to_contain_text("To create in Ashby: 1")
    await expect(preview).to_contain_text("To link (already in Ashby): 1")
    await expect(preview).to_contain_text("1 already synced")
    await console.screenshot("console-resync-preview")
    await preview.get_by_role("button", name="Confirm").click()
    await expect(preview).to_be_hidden()
    await console.go("CRM Sync Bot")
    await console.page.get_by_role("tab", name="Messages").click()
    await expect(console.message("Resync finished")).to_contain_text("1 created")
    await expect(console.message("Resync finished")).to_contain_text("1 linked")
    await console.screenshot("console-resync-done")


async def sam_connects_salesforce(console: Console) -> None:
    await console.page.get_by_label("You are").select_option(label="Sam Chen (member)")
    username = await console.credential("Salesforce", "username")
    password = await console.credential("Salesforce", "password")
    await console.go("# general")
    await console.command("/crm connect salesforce")
    modal = console.modal("Connect Salesforce")
    async with console.page.context.expect_page() as opened:
        await modal.get_by_role("button", name="Log in to Salesforce").click()
    login = await opened.value
    login.set_default_timeout(PAGE_TIMEOUT_MS)
    await login.locator("input[name=username]").fill(username)
    await login.locator("input[name=password]").fill(password)
    await login.get_by_role("button", name="Allow").click()
    await expect(login.locator("body")).to_contain_text("Connected to Salesforce")
    await login.close()
    await modal.get_by_role("button", name="Close", exact=True).click()
    await console.go("CRM Sync Bot")
    await console.page.get_by_role("tab", name="Messages").click()
    await expect(console.message("Salesforce is connected")).to_be_visible()
    await console.page.get_by_role("tab", name="Home").click()
    await expect(console.page.locator("#home")).to_contain_text("Salesforce")
    await console.screenshot("console-home")


def refused(url: str) -> bool:
    try:
        httpx.get(url, timeout=2)
    except httpx.ConnectError:
        return True
    return False


async def test_a_newcomer_tours_the_whole_product_in_the_console(
    sandbox: tuple[subprocess.Popen[str], dict[str, Any]], browser: Browser, shots: Path
) -> None:
    process, started = sandbox
    page = await new_page(browser, viewport=VIEWPORT)
    await page.goto(started["console"])
    console = Console(page, shots)

    await connect_ashby(console)
    await console.save_settings(
        "Only when a contact replies", job="Senior Software Engineer", channel="#recruiting"
    )
    await add_samples_and_keep_jane(console)
    await priya_replies(console)
    await resync(console)
    await sam_connects_salesforce(console)

    process.send_signal(signal.SIGINT)  # Ctrl-C
    assert process.wait(STOP_SECONDS) == 0
    assert refused(started["console"])
    assert refused(started["app"] + "/healthz")
    assert all(refused(crm["origin"]) for crm in started["crms"].values())
