"""A teammate using the bot the way a person does: signed Slack requests (slash commands,
modal submissions, button clicks, external-select searches), signed outreach events for what
the outreach tool sends, and Salesforce's login pages in a browser. Background work runs the
way the app runs it, through its clock's tick. Nothing here touches the database."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from bot.app import Runtime
from bot.storage.models import utcnow
from tests.conftest import OUTREACH_SECRET, eventually
from tests.connectors.conformance.harness import Harness
from tests.scenarios.matrix.profiles import PROFILES, Profile
from tests.support.driver import SlackUser, opened_view
from tests.support.emulators import SALESFORCE_PASSWORD, SALESFORCE_USER, SEEDS
from tests.support.fake_slack import Call, FakeSlack
from tests.support.outreach import make_event, post_events
from tests.support.salesforce_login import (
    login_button_url,
    open_start,
    path_of,
    sign_in,
    submit_login,
)

ALERTS = "C0ALERTS"
# Before any connection of a test: activity normal syncing leaves out, a resync backfills.
LONG_AGO = (utcnow() - timedelta(days=3)).isoformat()


def sequence_of(seq: str) -> dict[str, str]:
    return {"id": seq, "name": f"Sequence {seq}"}


def added(email: str, seq: str = "seq-1", at: str | None = None) -> dict[str, Any]:
    """``contact.added``, stamped now to the microsecond (so after a connection just made)."""
    first = email.split("@")[0].title()
    return make_event(
        occurred_at=at or utcnow().isoformat(),
        sequence=sequence_of(seq),
        contact={"email": email, "first_name": first, "last_name": "Doe"},
    )


def emailed(
    kind: str,
    email: str,
    seq: str = "seq-1",
    at: str | None = None,
    sentiment: str | None = None,
) -> dict[str, Any]:
    """``email.<kind>`` (sent, opened, clicked, replied, bounced) for a contact."""
    return make_event(
        type=f"email.{kind}",
        occurred_at=at or utcnow().isoformat(),
        sequence=sequence_of(seq),
        contact={"email": email},
        sentiment=sentiment,
    )


def input_block(view: dict[str, Any], label: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b["type"] == "input" and b["label"]["text"] == label)


class Recruiter:
    """One teammate (a Slack user) of one CRM, and that CRM's emulator to seed and read."""

    def __init__(
        self,
        user: SlackUser,
        http: httpx.AsyncClient,
        runtime: Runtime,
        profile: Profile,
        crm: Harness,
        browser: httpx.AsyncClient,
    ):
        self.user = user
        self.slack: FakeSlack = user.slack
        self.http = http
        self.runtime = runtime
        self.profile = profile
        self.crm = crm
        self.browser = browser

    def teammate(self, user_id: str, crm: Harness | None = None) -> Recruiter:
        """Another teammate in the same workspace (and browser); ``crm``: of another CRM."""
        user = SlackUser(self.http, self.slack, self.user.secret, user_id=user_id)
        profile = PROFILES[crm.kind] if crm else self.profile
        return Recruiter(user, self.http, self.runtime, profile, crm or self.crm, self.browser)

    # --- Slack -------------------------------------------------------------------------------

    async def open(self, command: str) -> dict[str, Any]:
        """The modal ``/crm <command>`` opens."""
        before = len(self.slack.views)
        await self.user.command(command)
        return await opened_view(self.slack, before + 1)

    def replies(self, to: str) -> list[dict[str, Any]]:
        """What the bot sent through the response_urls of ``to``: "cmd" (slash commands) or
        "alert" (buttons on messages), oldest first."""
        return [
            c.args
            for c in self.slack.calls_to("response_url")
            if c.args.get("_path", "").endswith(f"/{to}")
        ]

    async def _reply(self, to: str, before: int) -> dict[str, Any]:
        await eventually(lambda: len(self.replies(to)) > before)
        return self.replies(to)[before]

    async def say(self, command: str, *, later: bool = False) -> str:
        """What ``/crm <command>`` answers: its acknowledgement, or (when it has none, or
        ``later``) what it sends afterwards through the response_url."""
        before = len(self.replies("cmd"))
        ack = await self.user.command(command)
        if ack.text and not later:
            return ack.json()["text"]
        reply = await self._reply("cmd", before)
        return f"{reply.get('text')}\n{reply.get('blocks') or ''}"

    async def press(self, message: Call, button: str) -> str:
        """Press ``button`` on a message the bot posted; the text it replaces the message with."""
        before = len(self.replies("alert"))
        blocks, channel = message.args["blocks"], message.args["channel"]
        await self.user.click(blocks, button, channel_id=channel)
        return (await self._reply("alert", before))["text"]

    async def status(self, email: str) -> str:
        return await self.say(f"status {email}")

    async def connect(self, secret: str | None = None) -> Any:
        """Connect this teammate's CRM: the credential modal's answer (a dict; ``secret``
        replaces the right one), or for an OAuth CRM the app's answer to the browser coming
        back from the login page."""
        if self.profile.oauth:
            start = await login_button_url(self.user, self.slack)
            callback = await sign_in(
                self.http, self.browser, start, SALESFORCE_USER, SALESFORCE_PASSWORD
            )
            return await self.http.get(path_of(callback))
        known = SEEDS[self.profile.kind].credentials(self.crm.state)
        answers = {label: known[name] for label, name in self.profile.credentials}
        if secret is not None:
            answers[self.profile.secret_label] = secret
        view = await self.open(f"connect {self.profile.kind}")
        return await self.user.submit(view, answers)

    async def log_in_wrongly(self) -> httpx.Response:
        """Salesforce: the login page answered with a wrong password."""
        authorize = await open_start(self.http, await login_button_url(self.user, self.slack))
        return await submit_login(self.browser, authorize, SALESFORCE_USER, "not-the-password")

    async def job_option(self, view: dict[str, Any], label: str, title: str) -> dict[str, Any]:
        """Search the job picker labelled ``label`` as the teammate types ``title``; the
        option the bot offers for it."""
        block = input_block(view, label)
        answer = await self.user.suggest(
            view, block["element"]["action_id"], block["block_id"], title
        )
        return next(o for o in answer["options"] if o["text"]["text"] == title)

    async def _submit(
        self, view: dict[str, Any], answers: dict[str, Any], job: str
    ) -> dict[str, Any]:
        """Submit ``view`` (returned); a job answer is a job's title, picked by searching."""
        if isinstance(answers.get(job), str):
            answers = {**answers, job: await self.job_option(view, job, answers[job])}
        await self.user.submit(view, answers)
        return view

    async def settings(self, answers: dict[str, Any]) -> dict[str, Any]:
        """``/crm settings``, answered by label; the modal as it opened."""
        return await self._submit(await self.open("settings"), answers, "Default job")

    async def sequence(self, seq: str, answers: dict[str, Any]) -> dict[str, Any]:
        """``/crm sequence <seq>``, answered by label; the modal as it opened."""
        return await self._submit(await self.open(f"sequence {seq}"), answers, "Job")

    async def preview(self, seq: str) -> dict[str, Any]:
        """``/crm resync <seq>``: the preview modal, once the CRM was asked."""
        updates = len(self.slack.calls_to("views.update"))
        await self.user.command(f"resync {seq}")
        update = await self.slack.wait_for("views.update", updates + 1)
        return self.slack.views[update.args["view_id"]]

    async def confirm(self, preview: dict[str, Any], answers: dict[str, Any] | None = None) -> str:
        """Confirm a resync preview; the summary it ends with."""
        finished = len(self.sent("Resync finished", "chat.update"))
        await self.user.submit(preview, answers)
        await eventually(lambda: len(self.sent("Resync finished", "chat.update")) > finished)
        return self.sent("Resync finished", "chat.update")[-1].args["text"]

    async def mapping(self) -> dict[str, Any]:
        """``/crm mapping``: the modal, once the CRM's field list is in."""
        updates = len(self.slack.calls_to("views.update"))
        await self.user.command("mapping")
        update = await self.slack.wait_for("views.update", updates + 1)
        return self.slack.views[update.args["view_id"]]

    async def save_mapping(self, field: str, constant: str) -> dict[str, Any]:
        """``/crm mapping`` with one row, a constant into the CRM's ``field``; the answer."""
        view = await self.mapping()
        answers = {
            "Row 1: source": "constant",
            "Row 1: custom key or constant": constant,
            f"Row 1: {self.profile.crm} field": field,
        }
        return await self.user.submit(view, answers)

    def sent(self, text: str, method: str = "chat.postMessage") -> list[Call]:
        """The messages the bot sent (or updated) containing ``text``, oldest first."""
        return [c for c in self.slack.calls_to(method) if text in (c.args.get("text") or "")]

    # --- the outreach tool and the clock -----------------------------------------------------

    async def send(self, *events: dict[str, Any]) -> dict[str, Any]:
        return await post_events(self.http, OUTREACH_SECRET, list(events))

    async def settle(self) -> None:
        """Let the app's clock find and run every due pass (passes can make more work due)."""
        for _ in range(3):
            await self.runtime.clock.tick()
            await self.runtime.runner.drain()

    # --- the CRM -------------------------------------------------------------------------------

    def records(self, email: str) -> list[str]:
        return self.crm.people_with_email(email)

    def record(self, email: str) -> str:
        """The one record holding ``email``."""
        [record] = self.records(email)
        return record
