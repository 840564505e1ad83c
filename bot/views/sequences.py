"""``/crm sequences`` (a paged list with counts) and the ``/crm sequence`` modal."""

from __future__ import annotations

from typing import Any

from bot.services.sequences import (
    SavedOverrides,
    SequenceCounts,
    SequenceForm,
    SequenceOverrides,
    SequencesList,
)
from bot.states import SyncMode
from bot.views.blocks import (
    actions,
    button,
    checked,
    context,
    escape,
    input_block,
    job_select,
    modal,
    option,
    plain,
    section,
    selected,
)
from bot.views.settings import MODE_LABELS, mode_summary

ACTION_EDIT_SEQUENCE = "sequence_edit"
ACTION_SEQUENCES_PAGE = "sequences_page"
ACTION_SEQUENCE_JOB = "sequence_job_select"
CALLBACK_SEQUENCE = "sequence_submit"
INHERIT = "inherit"
OPTION_DISABLE = "disable"
OPTION_CLEAR_JOB = "clear_job"
PAGE_SIZE = 10

USAGE = "Usage: `/crm sequence <name or id>` (`/crm sequences` lists yours)."


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def counts_line(row: SequenceCounts) -> str:
    return (
        f"{plural(row.contacts, 'contact')} · {row.synced} synced · {row.pending} pending · "
        f"{row.failed} failed · {row.flagged} flagged"
    )


def sequence_status(row: SequenceCounts) -> str:
    if row.sync_disabled:
        return ":no_entry_sign: sync disabled"
    if row.sync_mode:
        return f"sync: {mode_summary(row.sync_mode).lower()}"
    return "sync: your default"


def sequence_row(row: SequenceCounts) -> dict[str, Any]:
    return section(
        f"*{escape(row.name)}* (`{escape(row.external_id)}`) · {sequence_status(row)}\n"
        f"{counts_line(row)}",
        block_id=f"seq-{row.id}",
        accessory=button("Edit", ACTION_EDIT_SEQUENCE, str(row.id)),
    )


def sequences_message(listed: SequencesList, page: int = 0) -> tuple[str, list[dict[str, Any]]]:
    """One page of the teammate's sequences, each with its counts and an Edit button."""
    rows, crm = listed.rows, listed.crm
    if not rows:
        text = "You have no sequences yet. They appear when the outreach tool sends contacts."
        return text, [section(text)]
    pages = (len(rows) + PAGE_SIZE - 1) // PAGE_SIZE
    page = max(0, min(page, pages - 1))
    shown = rows[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    target = f" to {crm}" if crm else ""
    text = f"Your {len(rows)} sequences and how they sync{target}."
    blocks: list[dict[str, Any]] = [section(f"*{text}*")]
    blocks += [sequence_row(row) for row in shown]
    if pages > 1:
        nav = []
        if page > 0:
            nav.append(button("◀ Previous", f"{ACTION_SEQUENCES_PAGE}_prev", str(page - 1)))
        if page < pages - 1:
            nav.append(button("Next ▶", f"{ACTION_SEQUENCES_PAGE}_next", str(page + 1)))
        blocks.append(context(f"Page {page + 1} of {pages}"))
        blocks.append(actions("sequences-nav", *nav))
    blocks.append(
        context("`/crm sequence <name or id>` edits one; `/crm resync <sequence>` syncs the rest.")
    )
    return text, blocks


def sequence_modal(form: SequenceForm, channel_id: str | None = None) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        section(
            f"*{escape(form.name)}* (`{escape(form.external_id)}`): how its contacts sync "
            f"to {form.crm}. Anything left on “your default” follows `/crm settings`.",
            block_id="about",
        )
    ]
    if form.contacts:
        blocks.append(
            section(
                f":information_source: This sequence already has "
                f"{plural(form.contacts, 'contact')}. "
                "Changes apply only to contacts synced from now on: contacts already synced "
                "keep their record type and job.",
                block_id="existing",
            )
        )
    blocks.append(_mode(form))
    blocks.append(_sync_as(form))
    if form.supports_jobs:
        blocks.append(_job(form))
    blocks.append(_options(form))
    metadata = f"{form.sequence_id}|{channel_id or ''}"
    return modal(
        CALLBACK_SEQUENCE, "Sequence sync", blocks, submit="Save", private_metadata=metadata
    )


def submitted_sequence(view: dict[str, Any]) -> tuple[int | None, str | None]:
    """(sequence id, channel the modal was opened from) of a submitted sequence modal."""
    seq_id, _, channel = view.get("private_metadata", "").partition("|")
    return (int(seq_id) if seq_id.isdigit() else None), channel or None


def sequence_overrides(values: dict[str, Any]) -> SequenceOverrides:
    """The teammate's choices in the submitted modal (``view.state.values``)."""
    mode = selected(values, "sync_mode")["value"]
    options = checked(values, "options")
    job = {} if OPTION_CLEAR_JOB in options else selected(values, "job", ACTION_SEQUENCE_JOB)
    sync_as = selected(values, "sync_as").get("value")
    return SequenceOverrides(
        sync_mode=None if mode == INHERIT else SyncMode(mode),
        sync_as=None if sync_as == INHERIT else sync_as,
        job_id=job.get("value"),
        job_name=(job.get("text") or {}).get("text"),
        sync_disabled=OPTION_DISABLE in options,
    )


def saved_message(saved: SavedOverrides) -> str:
    if saved.disabled:
        return f"Saved: sync is disabled for “{saved.name}”; its contacts will not sync."
    return f"Saved the sync settings of “{saved.name}”. They apply to contacts synced from now on."


def _select(block_id: str, label: str, options: list[dict[str, Any]], value: str) -> dict:
    initial = next(o for o in options if o["value"] == value)
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "element": {
            "type": "static_select",
            "action_id": "value",
            "options": options,
            "initial_option": initial,
        },
    }


def _mode(form: SequenceForm) -> dict[str, Any]:
    default = mode_summary(form.default_mode)
    options = [option(f"Your default ({default})", INHERIT)]
    options += [option(label, value) for value, label in MODE_LABELS.items()]
    return _select("sync_mode", "Sync contacts", options, form.sync_mode or INHERIT)


def _sync_as(form: SequenceForm) -> dict[str, Any]:
    default = form.default_sync_as or form.record_types[0]
    options = [option(f"Your default ({default})", INHERIT)]
    options += [option(t, t) for t in form.record_types]
    current = form.sync_as if form.sync_as in form.record_types else INHERIT
    return _select("sync_as", "Sync as", options, current)


def _job(form: SequenceForm) -> dict[str, Any]:
    element = job_select(ACTION_SEQUENCE_JOB, form.job_id, form.job_name)
    default = form.default_job_name or "none"
    hint = f"Empty: your default job ({default})."
    return input_block("job", "Job", element, optional=True, hint=hint)


def _options(form: SequenceForm) -> dict[str, Any]:
    choices = [option("Disable sync: contacts of this sequence never sync", OPTION_DISABLE)]
    if form.supports_jobs and form.job_id:
        choices.append(option("Clear the job (use my default job)", OPTION_CLEAR_JOB))
    element: dict[str, Any] = {"type": "checkboxes", "action_id": "value", "options": choices}
    if form.disabled:
        element["initial_options"] = [choices[0]]
    return input_block("options", "Options", element, optional=True)
