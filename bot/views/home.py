"""The App Home tab: connection and health, settings summary, sequences, open problems."""

from __future__ import annotations

from typing import Any

from bot.services.home import HomeData
from bot.services.settings import SettingsForm
from bot.views.alerts import ACTION_RECONNECT
from bot.views.blocks import actions, button, context, escape, header, section
from bot.views.reasons import reason_text
from bot.views.sequences import plural, sequence_row
from bot.views.settings import mode_summary
from bot.views.status import health_line, when

ACTION_HOME_CONNECT = "home_connect"
ACTION_HOME_EDIT_SETTINGS = "home_edit_settings"
ACTION_HOME_RETRY = "home_retry_failed"
HOME_SEQUENCES = 20


def settings_summary(form: SettingsForm) -> dict[str, str]:
    summary = {
        "Sync": mode_summary(form.sync_mode),
        "Sync as": form.sync_as or form.record_types[0],
        "Deduplication": "on" if form.dedup_enabled else "off",
        "Activity tracking": "on" if form.activity_enabled else "off",
    }
    if form.supports_jobs:
        summary["Default job"] = form.default_job_name or form.default_job_id or "none"
    summary["Alerts"] = (
        f"<#{form.alert_channel_id}>" if form.alert_channel_id else "direct message to you"
    )
    return summary


def home_view(data: HomeData) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [header("CRM Sync Bot")]
    blocks.append(section(health_line(data.health), block_id="health"))
    health = data.health
    if health is None or health.state == "disconnected":
        blocks.append(actions("connect", button("Connect a CRM", ACTION_HOME_CONNECT, "connect")))
        return {"type": "home", "blocks": blocks}
    blocks.append(context(f"Last sync pass: {when(health.last_pass_at)}"))
    settings = settings_summary(data.settings) if data.settings else {}
    summary = "\n".join(
        f"*{label}:* {escape(value) if label != 'Alerts' else value}"
        for label, value in settings.items()
    )
    blocks.append(
        section(
            f"*Settings*\n{summary}",
            block_id="settings",
            accessory=button("Edit", ACTION_HOME_EDIT_SETTINGS, "settings"),
        )
    )
    blocks.append({"type": "divider"})
    blocks += _problems(data)
    blocks.append({"type": "divider"})
    blocks.append(header("Sequences"))
    if not data.sequences:
        blocks.append(
            context("No sequences yet: they appear when the outreach tool sends contacts.")
        )
    blocks += [sequence_row(row) for row in data.sequences[:HOME_SEQUENCES]]
    if len(data.sequences) > HOME_SEQUENCES:
        blocks.append(context(f"{len(data.sequences) - HOME_SEQUENCES} more: `/crm sequences`"))
    return {"type": "home", "blocks": blocks}


def _problems(data: HomeData) -> list[dict[str, Any]]:
    health = data.health
    assert health is not None
    blocks: list[dict[str, Any]] = [header("Open problems")]
    if health.state == "needs_reauth":
        reason = f"\n>{escape(reason_text(health.reason))}" if health.reason else ""
        blocks.append(
            section(
                f":red_circle: {health.crm} needs to be reconnected; syncing is paused.{reason}",
                block_id="problem-reauth",
                accessory=button("Reconnect", ACTION_RECONNECT, health.kind, style="primary"),
            )
        )
    if data.failed:
        blocks.append(
            section(
                f":x: {plural(data.failed, 'contact')} failed to sync. "
                "`/crm status <email>` says why.",
                block_id="problem-failed",
                accessory=button("Retry", ACTION_HOME_RETRY, "retry"),
            )
        )
    if data.flagged:
        blocks.append(
            section(
                f":warning: {plural(data.flagged, 'contact')} already in {health.crm}: choose "
                "*Keep syncing* or *Skip contact* on the duplicate alerts.",
                block_id="problem-flagged",
            )
        )
    if len(blocks) == 1:
        blocks.append(context(":white_check_mark: Nothing needs your attention."))
    return blocks
