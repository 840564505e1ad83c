"""Alert messages: the "Exists in <CRM>" duplicate warning, the reconnect DM and the
"syncing paused" DM (e.g. the CRM's daily API allowance is used up)."""

from __future__ import annotations

from typing import Any

from bot.services.dedup import ExistsAlert
from bot.states import Reason
from bot.views.blocks import actions, button, context, escape, section
from bot.views.reasons import reason_text

ACTION_OPEN = "dedup_open"
ACTION_KEEP = "dedup_keep"
ACTION_SKIP = "dedup_skip"
ACTION_RECONNECT = "reconnect"

__all__ = ["ExistsAlert", "decided_alert", "exists_alert", "paused_dm", "reauth_dm"]


def exists_alert(alert: ExistsAlert) -> tuple[str, list[dict[str, Any]]]:
    """(fallback text, blocks) of the duplicate warning, with Open / Keep / Skip buttons."""
    who = escape(alert.contact_name or alert.email)
    text = f"Exists in {alert.crm}: {alert.email} (sequence {alert.sequence_name})"
    buttons = []
    if alert.record_url:
        buttons.append(button(f"Open in {alert.crm}", ACTION_OPEN, url=alert.record_url))
    buttons += [
        button("Keep syncing", ACTION_KEEP, str(alert.membership_id), style="primary"),
        button("Skip contact", ACTION_SKIP, str(alert.membership_id), style="danger"),
    ]
    blocks = [
        section(
            f":warning: *Exists in {alert.crm}*\n*{who}* ({escape(alert.email)}) was added to "
            f"*{escape(alert.sequence_name)}* and is already in {alert.crm} "
            f"(record `{escape(alert.record_id)}`). Nothing has been synced yet.",
            block_id="exists",
        ),
        context(
            "*Keep syncing* links the contact to the existing record; *Skip contact* leaves it out."
        ),
        actions(f"decide-{alert.membership_id}", *buttons),
    ]
    return text, blocks


def decided_alert(alert: ExistsAlert, user_id: str, kept: bool) -> tuple[str, list[dict[str, Any]]]:
    outcome = "kept syncing: it will be linked to the existing record" if kept else "skipped it"
    text = f"Exists in {alert.crm}: {alert.email}, <@{user_id}> {outcome}."
    blocks: list[dict[str, Any]] = [
        section(
            f"*Exists in {alert.crm}*: *{escape(alert.contact_name or alert.email)}* "
            f"({escape(alert.email)}) in *{escape(alert.sequence_name)}*\n<@{user_id}> {outcome}.",
            block_id="exists",
        )
    ]
    if alert.record_url:
        blocks.append(
            actions("open", button(f"Open in {alert.crm}", ACTION_OPEN, url=alert.record_url))
        )
    return text, blocks


def reauth_dm(crm: str, kind: str, reason: Reason | None) -> tuple[str, list[dict[str, Any]]]:
    text = f"Your {crm} connection needs to be reconnected; syncing is paused and nothing is lost."
    detail = f"\n>{escape(reason_text(reason))}" if reason else ""
    return text, [
        section(f":electric_plug: *{escape(text)}*{detail}", block_id="reauth"),
        actions(
            "reauth-actions", button(f"Reconnect {crm}", ACTION_RECONNECT, kind, style="primary")
        ),
    ]


def paused_dm(crm: str, reason: Reason | None) -> tuple[str, list[dict[str, Any]]]:
    """The CRM stopped taking calls for a while (e.g. Salesforce's daily API allowance): the
    connection waits and resumes by itself; nothing for the teammate to click."""
    text = f"Syncing to {crm} is paused for now; it resumes by itself and nothing is lost."
    detail = f"\n>{escape(reason_text(reason))}" if reason else ""
    return text, [
        section(f":hourglass_flowing_sand: *{escape(text)}*{detail}", block_id="paused"),
        context("Contacts and activity keep queueing and sync once the pause ends."),
    ]
