"""The connect modals: a CRM picker, then the credential form of the chosen CRM."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from bot.services.connections import ConnectForm
from bot.services.crms import Crm
from bot.views.blocks import actions, button, context, escape, modal, option, plain, section

CALLBACK_CONNECT = "connect_submit"
CALLBACK_PICK = "connect_pick"
ACTION_PICK_CRM = "connect_pick_crm"
FIELD_ACTION = "value"

CHOOSE_CRM = {"crm": "Choose your CRM."}
UNKNOWN_CRM_AGAIN = {"current": "Unknown CRM; run /crm connect again."}


class CredentialField(Protocol):
    name: str
    label: str
    hint: str


def field_block_id(name: str) -> str:
    return f"cred_{name}"


def unknown_crm(typed: str, crms: Sequence[Crm]) -> str:
    names = ", ".join(c.name for c in crms)
    return (
        f"I don't know the CRM “{typed}”. Choose one of: {names} (`/crm connect` shows a picker)."
    )


def connect_modal(form: ConnectForm, channel_id: str | None = None) -> dict[str, Any]:
    """The connect modal of one CRM: its credential inputs, or its sign-in button."""
    login = form.sign_in
    if login is None:
        return credentials_modal(form.kind, form.crm, form.fields, form.connected_as, channel_id)
    if login.url is None:
        return oauth_unconfigured_modal(form.crm, login.missing, login.callback_url)
    return oauth_login_modal(
        form.crm, login.url, form.connected_as, form.needs_reauth, login.minutes
    )


def submitted_kind(view: dict[str, Any]) -> str:
    """The CRM kind a submitted credentials modal is for."""
    return view.get("private_metadata", "").split("|", 1)[0]


def submitted_credentials(
    fields: Sequence[CredentialField], values: dict[str, Any]
) -> tuple[dict[str, str], dict[str, str]]:
    """The typed credentials, and inline errors for the empty ones."""
    credentials, errors = {}, {}
    for spec in fields:
        block = field_block_id(spec.name)
        value = (values.get(block, {}).get(FIELD_ACTION, {}).get("value") or "").strip()
        if not value:
            errors[block] = f"Enter your {spec.label}."
        credentials[spec.name] = value
    return credentials, errors


def picker_modal(crms: Sequence[Crm]) -> dict[str, Any]:
    select = {
        "type": "static_select",
        "action_id": ACTION_PICK_CRM,
        "placeholder": plain("Choose your CRM"),
        "options": [option(c.name, c.kind) for c in crms],
    }
    blocks = [
        {
            "type": "input",
            "block_id": "crm",
            "dispatch_action": True,
            "label": plain("CRM"),
            "element": select,
        },
        context("Each teammate connects their own CRM account."),
    ]
    return modal(CALLBACK_PICK, "Connect a CRM", blocks, submit="Next")


def credentials_modal(
    kind: str,
    crm: str,
    fields: Sequence[CredentialField],
    connected_as: str | None,
    channel_id: str | None = None,
) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = []
    if connected_as:
        saved = (
            f"Your {fields[0].label} is •••• saved; entering a new one replaces it."
            if len(fields) == 1
            else "Your credentials are •••• saved; entering them again replaces them."
        )
        blocks.append(
            section(f"Connected to {crm} as *{escape(connected_as)}*. {saved}", block_id="current")
        )
    for spec in fields:
        block: dict[str, Any] = {
            "type": "input",
            "block_id": field_block_id(spec.name),
            "label": plain(spec.label),
            "element": {
                "type": "plain_text_input",
                "action_id": FIELD_ACTION,
                "placeholder": plain(spec.label),
            },
        }
        if spec.hint:
            block["hint"] = plain(spec.hint, 2000)
        blocks.append(block)
    blocks.append(context(f"We check the credentials with {crm} before saving them, encrypted."))
    return modal(
        CALLBACK_CONNECT,
        f"Connect {crm}",
        blocks,
        submit="Connect",
        private_metadata=f"{kind}|{channel_id or ''}",
    )


def connected_modal(crm: str, identity: str, *, has_jobs: bool = True) -> dict[str, Any]:
    choices = "when contacts sync, the default job" if has_jobs else "when contacts sync"
    blocks = [
        section(
            f":white_check_mark: Connected to *{crm}* as *{escape(identity)}*.", block_id="done"
        ),
        context(f"Next: `/crm settings` to choose {choices} and the alert channel."),
    ]
    return modal("connect_done", f"{crm} connected", blocks, close="Done")


# Connecting by logging in to the CRM (OAuth) --------------------------------------------

ACTION_OAUTH_LOGIN = "connect_oauth_login"
CALLBACK_OAUTH = "connect_oauth"


def oauth_login_modal(
    crm: str, start_url: str, connected_as: str | None, needs_reauth: bool, minutes: int
) -> dict[str, Any]:
    """The "Log in to <CRM>" button; the URL is the app's own start page with a fresh state."""
    if needs_reauth:
        lead = (
            f":electric_plug: Your {crm} connection needs a new sign-in. Syncing is paused and "
            "nothing is lost: it picks up where it stopped once you log in again."
        )
    elif connected_as:
        lead = (
            f"Connected to {crm} as *{escape(connected_as)}*. Logging in again replaces that "
            "connection and keeps your settings."
        )
    else:
        lead = f"Log in to {crm} and allow access; this app never sees your {crm} password."
    blocks = [
        section(lead, block_id="oauth_intro"),
        actions(
            "oauth_login",
            button(f"Log in to {crm}", ACTION_OAUTH_LOGIN, style="primary", url=start_url),
        ),
        context(
            f"The link opens {crm} in your browser, works once, and expires in {minutes} "
            "minutes. You will get a message here when it is done."
        ),
    ]
    return modal(CALLBACK_OAUTH, f"Connect {crm}", blocks, close="Close")


def oauth_unconfigured_modal(crm: str, missing: Sequence[str], callback_url: str) -> dict[str, Any]:
    names = " and ".join(f"`{name}`" for name in missing)
    blocks = [
        section(
            f":warning: {crm} login is not set up on this app yet: {names} "
            f"{'is' if len(missing) == 1 else 'are'} missing.",
            block_id="oauth_missing",
        ),
        context(
            f"Whoever runs the app: create a {crm} connected app with the callback URL "
            f"{escape(callback_url)}, then set {names} in the app's environment."
        ),
    ]
    return modal(CALLBACK_OAUTH, f"Connect {crm}", blocks, close="Close")


def oauth_connected_message(crm: str, identity: str) -> tuple[str, list[dict[str, Any]]]:
    text = f"{crm} is connected (signed in as {identity}). Syncing starts now."
    return text, [
        section(
            f":white_check_mark: *{crm} is connected* as *{escape(identity)}*. Syncing starts now.",
            block_id="oauth_done",
        ),
        context("`/crm settings` chooses when contacts sync and where alerts go."),
    ]


def oauth_failed_message(crm: str, reason: str) -> tuple[str, list[dict[str, Any]]]:
    text = f"{crm} was not connected: {reason}"
    return text, [
        section(f":x: *{crm} was not connected.*\n{escape(reason)}", block_id="oauth_failed")
    ]
