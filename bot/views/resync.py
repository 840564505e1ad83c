"""Resync: the preview modal (counts, backfill checkbox, Confirm / Cancel), the progress
message updated in place, and the summary."""

from __future__ import annotations

from typing import Any

from bot.services.resync import OneOutcome, OneResult, ResyncPlan, ResyncProgress, ResyncTarget
from bot.sync.rules import ResyncSkip
from bot.views.blocks import checked, context, escape, modal, option, plain, section
from bot.views.reasons import reason_text

CALLBACK_RESYNC = "resync_confirm"
OPTION_BACKFILL = "backfill"
BAR_WIDTH = 20

USAGE = (
    "Usage: `/crm resync <sequence>` for the whole sequence (you see a preview first), or "
    "`/crm resync <sequence> <email>` for one contact."
)

SKIP_WORDS = {
    ResyncSkip.SYNCED: "already synced",
    ResyncSkip.DISABLED: "sync disabled for the sequence",
    ResyncSkip.MODE_OFF: "sync mode is Off",
    ResyncSkip.NO_REPLY: "waiting for a reply (syncs on reply)",
    ResyncSkip.FLAGGED: "flagged as a duplicate, awaiting your decision",
    ResyncSkip.DISMISSED: "skipped after the duplicate warning",
    ResyncSkip.REMOVED: "removed from the sequence",
}


def resyncing_one(email: str, crm: str) -> str:
    return f"Resyncing {email} to {crm}…"


def bar(done: int, total: int, width: int = BAR_WIDTH) -> str:
    filled = width if total == 0 else round(width * done / total)
    return "▓" * filled + "░" * (width - filled) + f" {done}/{total}"


def loading_modal(sequence: str, crm: str) -> dict[str, Any]:
    return modal(
        "resync_loading",
        "Resync",
        [
            section(
                f":hourglass_flowing_sand: Looking up the contacts of *{escape(sequence)}* "
                f"in {crm}…"
            )
        ],
        close="Close",
    )


def problem_modal(text: str) -> dict[str, Any]:
    return modal("resync_problem", "Resync", [section(f":warning: {text}")], close="Close")


def submitted_preview(view: dict[str, Any]) -> tuple[int | None, str | None]:
    """(sequence id, channel the resync was asked in) of a confirmed preview."""
    seq_id, _, channel = view.get("private_metadata", "").partition("|")
    return (int(seq_id) if seq_id.isdigit() else None), channel or None


def backfill_chosen(values: dict[str, Any]) -> bool:
    return OPTION_BACKFILL in checked(values, "backfill")


def preview_modal(plan: ResyncPlan, target: ResyncTarget, channel_id: str | None) -> dict[str, Any]:
    return plan_modal(
        plan,
        target.crm,
        backfill_available=target.backfill_available,
        private_metadata=f"{plan.sequence_id}|{channel_id or ''}",
    )


def plan_modal(
    plan: ResyncPlan, crm: str, *, backfill_available: bool, private_metadata: str
) -> dict[str, Any]:
    lines = [
        f"*To create in {crm}:* {len(plan.to_create)}",
        f"*To link (already in {crm}):* {len(plan.to_link)}",
    ]
    skipped = sum(plan.skipped.values())
    lines.append(f"*Skipped:* {skipped}")
    lines += [f"   • {n} {SKIP_WORDS[why]}" for why, n in plan.skipped.most_common()]
    blocks: list[dict[str, Any]] = [
        section(f"Resync *{escape(plan.sequence_name)}*: {plan.total} contacts.", block_id="about"),
        section("\n".join(lines), block_id="counts"),
    ]
    if not plan.eligible:
        blocks.append(context("Nothing to resync: every contact is synced or skipped."))
        return modal(CALLBACK_RESYNC, "Resync", blocks, close="Close")
    if backfill_available:
        choice = {
            **option("Backfill recorded activity", OPTION_BACKFILL),
            "description": plain(
                "Emails, opens, clicks and replies, also from before you connected"
            ),
        }
        blocks.append(
            {
                "type": "input",
                "block_id": "backfill",
                "optional": True,
                "label": plain("Activity"),
                "element": {
                    "type": "checkboxes",
                    "action_id": "value",
                    "options": [choice],
                    "initial_options": [choice],
                },
            }
        )
    else:
        blocks.append(context("Activity tracking is off, so no activity is written."))
    blocks.append(
        context(
            f"Contacts already synced are never changed. Nothing is written to {crm} until "
            "you confirm; then progress and a summary arrive in your messages with me."
        )
    )
    return modal(
        CALLBACK_RESYNC,
        "Resync",
        blocks,
        submit="Confirm",
        close="Cancel",
        private_metadata=private_metadata,
    )


def progress_message(sequence: str, crm: str, progress: ResyncProgress) -> tuple[str, list]:
    text = f"Resyncing {sequence} to {crm}: {progress.done}/{progress.total}"
    blocks = [
        section(
            f":arrows_counterclockwise: Resyncing *{escape(sequence)}* to {crm}\n"
            f"`{bar(progress.done, progress.total)}`",
            block_id="progress",
        )
    ]
    return text, blocks


def summary_message(
    sequence: str, crm: str, progress: ResyncProgress, skipped: int
) -> tuple[str, list[dict[str, Any]]]:
    parts = [
        f"{progress.created} created",
        f"{progress.linked} linked to existing records",
        f"{progress.failed} failed",
        f"{skipped} skipped",
    ]
    if progress.activities:
        parts.append(f"{progress.activities} activities written")
    finished = progress.done >= progress.total
    icon = ":white_check_mark:" if finished and not progress.failed else ":warning:"
    head = "Resync finished" if finished else "Resync stopped"
    text = f"{head} for {sequence}: " + ", ".join(parts) + "."
    blocks: list[dict[str, Any]] = [
        section(
            f"{icon} *{head}* for *{escape(sequence)}* ({crm})\n"
            f"`{bar(progress.done, progress.total)}`\n" + ", ".join(parts) + ".",
            block_id="summary",
        )
    ]
    waiting = progress.total - progress.done
    if waiting:
        why = f": {escape(reason_text(progress.stopped))}" if progress.stopped else ""
        blocks.append(
            section(
                f"{waiting} contacts are still queued and sync automatically{why}",
                block_id="waiting",
            )
        )
    if progress.failures:
        listed = "\n".join(
            f"• {escape(e)}: {escape(reason_text(r))}" for e, r in progress.failures[:10]
        )
        blocks.append(section(f"*Did not sync:*\n{listed}", block_id="failures"))
        blocks.append(context("`/crm status <email>` shows a contact's timeline and the fix."))
    return text, blocks


_SKIP_ADVICE = {
    ResyncSkip.SYNCED: "It is already synced; a resync never changes synced contacts.",
    ResyncSkip.DISABLED: "Turn sync back on with `/crm sequence {seq}` first.",
    ResyncSkip.MODE_OFF: "Choose a sync mode in `/crm settings` or `/crm sequence {seq}` first.",
    ResyncSkip.NO_REPLY: "The sequence syncs on reply, and they have not replied yet.",
    ResyncSkip.FLAGGED: "Choose *Keep syncing* or *Skip contact* on the duplicate alert.",
    ResyncSkip.DISMISSED: "Someone chose *Skip contact* on the duplicate warning.",
    ResyncSkip.REMOVED: "They were removed from the sequence.",
}


def could_not_ask(crm: str, reason: str) -> str:
    return f"I could not ask {crm}: {reason}"


def not_in_sequence(email: str, sequence: str) -> str:
    return f"{email} is not in “{sequence}”. `/crm status {email}` shows where it is."


def not_resynced(email: str, skip: ResyncSkip, sequence: str) -> str:
    advice = _SKIP_ADVICE[skip].format(seq=sequence)
    return f"{email} was not resynced: {SKIP_WORDS[skip]}. {advice}"


def one_outcome(email: str, crm: str, progress: ResyncProgress, record_url: str | None) -> str:
    """What became of a single-contact resync, in one sentence."""
    if progress.created or progress.linked:
        how = "created in" if progress.created else "linked to its existing record in"
        where = f" <{record_url}|Open in {crm}>" if record_url else ""
        return f"{email} is synced: {how} {crm}.{where}"
    if progress.failures:
        return f"{email} did not sync: {reason_text(progress.failures[0][1])}"
    why = f" ({reason_text(progress.stopped)})" if progress.stopped else ""
    return f"{email} is queued and syncs as soon as {crm} answers{why}."


def one_result(result: OneResult) -> str:
    match result.outcome:
        case OneOutcome.COULD_NOT_ASK:
            return could_not_ask(result.crm, result.detail)
        case OneOutcome.NOT_IN_SEQUENCE:
            return not_in_sequence(result.email, result.sequence)
        case OneOutcome.NOT_RESYNCED:
            assert result.skip is not None
            return not_resynced(result.email, result.skip, result.sequence)
    assert result.progress is not None
    return one_outcome(result.email, result.crm, result.progress, result.record_url)


def dm_pointer(sequence: str) -> str:
    return f"Resyncing “{sequence}”: progress and the summary are in your messages with me."
