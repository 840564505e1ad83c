"""``/crm status``: connection health and queue; with an email, the contact's timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.services.status import (
    ConnectionHealth,
    ContactTimeline,
    Fix,
    StatusReport,
    TimelineEntry,
)
from bot.states import SyncState
from bot.views.blocks import context, escape, section
from bot.views.reasons import reason_text

STATE_WORDS = {
    SyncState.SYNCED: "synced",
    SyncState.PENDING: "queued to sync",
    SyncState.WAITING: "waiting",
    SyncState.SKIPPED: "not syncing",
    SyncState.NEEDS_DECISION: "flagged, waiting for your decision",
    SyncState.DISMISSED: "skipped after the duplicate warning",
    SyncState.FAILED: "failed",
    SyncState.NO_CONNECTION: "not synced: no CRM connected",
}


def when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "never"


def health_line(health: ConnectionHealth | None) -> str:
    if health is None:
        return ":electric_plug: No CRM connected. Run `/crm connect`."
    who = f" as *{escape(health.identity)}*" if health.identity else ""
    if health.state == "active":
        return f":large_green_circle: *{health.crm}* connected{who}: syncing."
    if health.state == "paused":
        reason = f" {escape(reason_text(health.reason))}" if health.reason else ""
        return (
            f":double_vertical_bar: *{health.crm}* connected{who}: paused until "
            f"{health.paused_until:%H:%M} UTC.{reason}"
        )
    if health.state == "needs_reauth":
        reason = f"\n>{escape(reason_text(health.reason))}" if health.reason else ""
        return (
            f":red_circle: *{health.crm}* needs to be reconnected: syncing is paused, nothing "
            f"is lost. Run `/crm connect {health.kind}`.{reason}"
        )
    return f":white_circle: *{health.crm}* is disconnected. Run `/crm connect {health.kind}`."


def status_message(report: StatusReport) -> tuple[str, list[dict[str, Any]]]:
    health = report.health
    counts = report.counts
    queue = (
        f"*Queue:* {counts.get(SyncState.PENDING, 0)} pending · "
        f"{counts.get(SyncState.FAILED, 0)} failed · "
        f"{counts.get(SyncState.NEEDS_DECISION, 0)} flagged · "
        f"{counts.get(SyncState.WAITING, 0)} waiting for a reply · "
        f"{counts.get(SyncState.SYNCED, 0)} synced"
    )
    last = f"*Last sync pass:* {when(health.last_pass_at if health else None)}"
    blocks: list[dict[str, Any]] = [
        section(health_line(health), block_id="health"),
        section(f"{queue}\n{last}", block_id="queue"),
    ]
    if report.failures:
        listed = "\n".join(
            f"• {escape(f.email)} in *{escape(f.sequence)}*: {escape(reason_text(f.reason))}"
            for f in report.failures
        )
        blocks.append(section(f"*Recent failures*\n{listed}", block_id="failures"))
    if report.activity_failures:
        listed = "\n".join(
            f"• {escape(f.email)} in *{escape(f.sequence)}*: {escape(reason_text(f.reason))}"
            for f in report.activity_failures
        )
        blocks.append(section(f"*Activity not written*\n{listed}", block_id="activity-failures"))
    if not report.failures and not report.activity_failures:
        blocks.append(context("No recent failures."))
    blocks.append(context("`/crm status <email>` shows one contact's timeline."))
    crm = health.crm if health else "your CRM"
    text = (
        f"{crm}: {health.state if health else 'not connected'}; "
        f"{counts.get(SyncState.PENDING, 0)} pending, {counts.get(SyncState.FAILED, 0)} failed."
    )
    return text, blocks


def not_an_email(word: str) -> str:
    return f"`{word}` is not an email address. Usage: `/crm status [email]`."


def fix_text(
    fix: Fix, entry: TimelineEntry, health: ConnectionHealth | None, email: str = "<email>"
) -> str:
    """What the teammate can do so the membership syncs, in words."""
    resync = f"`/crm resync {entry.sequence} {email}`"
    crm = health.crm if health else "your CRM"
    match fix:
        case Fix.CONNECT_THEN_RESYNC:
            return f"Connect your CRM with `/crm connect`, then run {resync}."
        case Fix.RECONNECT:
            kind = health.kind if health else ""
            return f"Reconnect {crm} with `/crm connect {kind}`; syncing then resumes."
        case Fix.DECIDE_DUPLICATE:
            return "Choose *Keep syncing* or *Skip contact* on the duplicate alert."
        case Fix.FIX_REFUSAL_THEN_RESYNC:
            return f"Fix what {crm} refused (the contact or your field mapping), then run {resync}."
        case Fix.ENABLE_SEQUENCE_THEN_RESYNC:
            return f"Turn sync back on with `/crm sequence {entry.sequence}`, then run {resync}."
        case Fix.CHOOSE_MODE_THEN_RESYNC:
            return (
                f"Choose a sync mode in `/crm settings` or `/crm sequence {entry.sequence}`, "
                f"then run {resync}."
            )
        case Fix.WAIT_FOR_REPLY:
            return "Nothing to do: it syncs when the contact replies."
        case Fix.RESYNC_NOW:
            return f"Run {resync} now that your CRM is connected."
        case Fix.WAIT_FOR_PAUSE if health and health.paused_until:
            return f"Nothing to do: syncing resumes at {health.paused_until:%H:%M} UTC."
    return "Nothing to do: it syncs in the next pass."


def timeline_message(
    timeline: ContactTimeline | None, email: str
) -> tuple[str, list[dict[str, Any]]]:
    if timeline is None:
        text = f"I have never seen {email}: it is in none of this workspace's sequences."
        return text, [section(escape(text))]
    health = timeline.health
    crm = health.crm if health else "your CRM"
    name = f"{escape(timeline.name)} " if timeline.name else ""
    blocks: list[dict[str, Any]] = [
        section(f"*{name}{escape(timeline.email)}*", block_id="contact")
    ]
    if timeline.record_id:
        how = "created" if timeline.record_created else "linked to the existing record"
        target = (
            f"<{timeline.record_url}|{escape(timeline.record_id)}>"
            if timeline.record_url
            else f"`{escape(timeline.record_id)}`"
        )
        blocks.append(
            section(
                f":white_check_mark: Synced to {crm} {when(timeline.linked_at)}: {how} {target}.",
                block_id="record",
            )
        )
    else:
        blocks.append(section(f"Not synced to {crm} yet.", block_id="record"))
    for index, entry in enumerate(timeline.entries[:20]):
        lines = [f"• Added to *{escape(entry.sequence)}* {when(entry.added_at)}"]
        if entry.replied_at:
            lines.append(f"• Replied {when(entry.replied_at)}")
        if entry.flag:
            link = f" (<{entry.flag_record_url}|record>)" if entry.flag_record_url else ""
            lines.append(f"• Flagged: {escape(reason_text(entry.flag))}{link}")
        state = STATE_WORDS.get(SyncState(entry.state), entry.state)
        if entry.state == SyncState.SYNCED:
            lines.append(f"• Synced {when(entry.synced_at)}")
        else:
            lines.append(f"• Status: {state}")
            if entry.reason:
                lines.append(f"• Why: {escape(reason_text(entry.reason))}")
            if entry.fix:
                lines.append(f"• Fix: {fix_text(entry.fix, entry, health, timeline.email)}")
        blocks.append(section("\n".join(lines), block_id=f"seq-{index}"))
    written = [a for a in timeline.activities if a[2] == "done"]
    if timeline.activities:
        listed = ", ".join(
            f"{k} {when(at)} ({status})" for k, at, status in timeline.activities[:15]
        )
        blocks.append(
            section(
                f"*Activity:* {len(written)} of {len(timeline.activities)} written to {crm}\n"
                f"{listed}",
                block_id="activity",
            )
        )
    synced = "synced" if timeline.record_id else "not synced"
    text = f"{timeline.email}: {synced}, in {len(timeline.entries)} sequence(s)."
    return text, blocks
