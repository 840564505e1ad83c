"""The ``/crm settings`` modal."""

from __future__ import annotations

from typing import Any

from bot.services.settings import SettingsForm, SettingsUpdate
from bot.states import SyncMode
from bot.views.blocks import (
    checked,
    context,
    input_block,
    job_select,
    modal,
    option,
    plain,
    selected,
)

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

__all__ = ["SettingsForm", "saved_message", "settings_modal", "settings_update"]


def mode_summary(mode: str) -> str:
    """The sync mode in a few words ("Off", "When a contact is added to a sequence")."""
    return MODE_LABELS[mode].split(":")[0]


def saved_message(crm: str, mode: str) -> str:
    return f"Saved your {crm} settings. Sync: {mode_summary(mode)}."


def settings_update(values: dict[str, Any]) -> SettingsUpdate:
    """The teammate's choices in the submitted modal (``view.state.values``)."""
    options = checked(values, "options")
    job = selected(values, "default_job", ACTION_JOB)
    channel = values.get("alert_channel", {}).get("value", {}).get("selected_conversation")
    return SettingsUpdate(
        sync_mode=SyncMode(selected(values, "sync_mode")["value"]),
        sync_as=selected(values, "sync_as").get("value"),
        dedup_enabled=OPTION_DEDUP in options,
        activity_enabled=OPTION_ACTIVITY in options,
        default_job_id=job.get("value"),
        default_job_name=(job.get("text") or {}).get("text"),
        alert_channel_id=channel,
        status_advance=OPTION_STATUS in options,
    )


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
    return input_block("options", "Options", element, optional=True)


def _job(form: SettingsForm) -> dict[str, Any]:
    element = job_select(ACTION_JOB, form.default_job_id, form.default_job_name)
    hint = (
        "Contacts of every sequence are added to this job unless the sequence picks its own. "
        "Leave empty if you choose jobs per sequence."
    )
    return input_block("default_job", "Default job", element, optional=True, hint=hint)


def _alert_channel(form: SettingsForm) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "conversations_select",
        "action_id": "value",
        "placeholder": plain("Direct message to me"),
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
    }
    if form.alert_channel_id:
        element["initial_conversation"] = form.alert_channel_id
    hint = "Where duplicate warnings go. Empty: a direct message to you."
    return input_block("alert_channel", "Alert channel", element, optional=True, hint=hint)
