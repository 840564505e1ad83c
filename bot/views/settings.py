"""The ``/crm settings`` modal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.views.blocks import context, modal, option, plain

CALLBACK_SETTINGS = "settings_submit"
ACTION_JOB = "job_select"

MODE_LABELS = {
    "off": "Off: never sync contacts",
    "on_add": "When a contact is added to a sequence",
    "on_reply": "Only when a contact replies",
}
OPTION_DEDUP = "dedup"
OPTION_ACTIVITY = "activity"
OPTION_STATUS = "status_advance"


@dataclass(frozen=True)
class SettingsForm:
    crm: str
    sync_mode: str
    record_types: tuple[str, ...]
    sync_as: str | None
    dedup_enabled: bool
    activity_enabled: bool
    default_job_id: str | None
    default_job_name: str | None
    alert_channel_id: str | None
    supports_jobs: bool
    supports_statuses: bool = False
    status_advance: bool = False


def settings_modal(form: SettingsForm, private_metadata: str = "") -> dict[str, Any]:
    modes = [option(label, value) for value, label in MODE_LABELS.items()]
    blocks: list[dict[str, Any]] = [
        {
            "type": "input",
            "block_id": "sync_mode",
            "label": plain("Sync contacts"),
            "element": {
                "type": "radio_buttons",
                "action_id": "value",
                "options": modes,
                "initial_option": modes[list(MODE_LABELS).index(form.sync_mode)],
            },
        },
        _sync_as(form),
        _toggles(form),
    ]
    if form.supports_jobs:
        blocks.append(_job(form))
    blocks.append(_alert_channel(form))
    blocks.append(context("Changes apply to contacts synced from now on."))
    return modal(
        CALLBACK_SETTINGS,
        f"{form.crm} settings",
        blocks,
        submit="Save",
        private_metadata=private_metadata,
    )


def _sync_as(form: SettingsForm) -> dict[str, Any]:
    types = [option(t, t) for t in form.record_types]
    current = form.sync_as if form.sync_as in form.record_types else form.record_types[0]
    return {
        "type": "input",
        "block_id": "sync_as",
        "label": plain("Sync as"),
        "element": {
            "type": "static_select",
            "action_id": "value",
            "options": types,
            "initial_option": types[form.record_types.index(current)],
        },
    }


def _toggles(form: SettingsForm) -> dict[str, Any]:
    choices = [
        option("Deduplication: warn me when a contact already exists", OPTION_DEDUP),
        option("Activity tracking: log emails, opens, clicks and replies", OPTION_ACTIVITY),
    ]
    states = [form.dedup_enabled, form.activity_enabled]
    if form.supports_statuses:
        choices.append(
            option("Status advance: Messaged, Replied, Interested / Not Interested", OPTION_STATUS)
        )
        states.append(form.status_advance)
    initial = [c for c, on in zip(choices, states, strict=True) if on]
    element: dict[str, Any] = {"type": "checkboxes", "action_id": "value", "options": choices}
    if initial:
        element["initial_options"] = initial
    return {
        "type": "input",
        "block_id": "options",
        "optional": True,
        "label": plain("Options"),
        "element": element,
    }


def _job(form: SettingsForm) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "external_select",
        "action_id": ACTION_JOB,
        "placeholder": plain("Search open jobs"),
        "min_query_length": 0,
    }
    if form.default_job_id:
        element["initial_option"] = option(
            form.default_job_name or form.default_job_id, form.default_job_id
        )
    return {
        "type": "input",
        "block_id": "default_job",
        "optional": True,
        "label": plain("Default job"),
        "hint": plain(
            "Contacts of every sequence are added to this job unless the sequence picks "
            "its own. Leave empty if you choose jobs per sequence.",
            2000,
        ),
        "element": element,
    }


def _alert_channel(form: SettingsForm) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "conversations_select",
        "action_id": "value",
        "placeholder": plain("Direct message to me"),
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
    }
    if form.alert_channel_id:
        element["initial_conversation"] = form.alert_channel_id
    return {
        "type": "input",
        "block_id": "alert_channel",
        "optional": True,
        "label": plain("Alert channel"),
        "hint": plain("Where duplicate warnings go. Empty: a direct message to you.", 2000),
        "element": element,
    }
