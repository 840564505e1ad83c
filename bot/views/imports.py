"""``/crm import``: the modal (CRM list + sequence) and the progress/summary message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.services.imports import ImportForm, ImportSummary, SequenceChoice
from bot.views.blocks import context, escape, modal, option, plain, section, selected, truncate
from bot.views.reasons import reason_text

CALLBACK_IMPORT = "import_submit"
ACTION_LIST = "import_list_select"
BLOCK_LIST = "crm_list"
BLOCK_SEQUENCE = "sequence"
BLOCK_NEW_SEQUENCE = "new_sequence"
MAX_OPTIONS = 100


@dataclass(frozen=True)
class SequenceOption:
    id: int
    name: str


def import_modal_for(form: ImportForm, channel_id: str | None) -> dict[str, Any]:
    options = [SequenceOption(i, n) for i, n in form.sequences]
    return import_modal(form.crm, options, channel_id or "")


def submitted_choice(
    values: dict[str, Any],
) -> tuple[dict[str, str], SequenceChoice | None]:
    """The picked list's option and the sequence choice, or inline errors."""
    picked = selected(values, BLOCK_LIST, ACTION_LIST)
    existing = selected(values, BLOCK_SEQUENCE).get("value")
    new_name = " ".join(
        (values.get(BLOCK_NEW_SEQUENCE, {}).get("value", {}).get("value") or "").split()
    )
    errors: dict[str, str] = {}
    if not picked.get("value"):
        errors[BLOCK_LIST] = "Pick a list to import."
    if existing and new_name:
        errors[BLOCK_NEW_SEQUENCE] = "Pick a sequence or type a new name, not both."
    elif not existing and not new_name:
        errors[BLOCK_NEW_SEQUENCE] = "Pick one of your sequences or type a name for a new one."
    if errors:
        return errors, None
    choice = (
        SequenceChoice(sequence_id=int(existing)) if existing else SequenceChoice(None, new_name)
    )
    return picked, choice


def import_modal(
    crm: str, sequences: list[SequenceOption], private_metadata: str = ""
) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        {
            "type": "input",
            "block_id": BLOCK_LIST,
            "label": plain(f"{crm} list"),
            "element": {
                "type": "external_select",
                "action_id": ACTION_LIST,
                "placeholder": plain("Search your lists"),
                "min_query_length": 0,
            },
        }
    ]
    if sequences:
        choices = [option(s.name, str(s.id)) for s in sequences[:MAX_OPTIONS]]
        blocks.append(
            {
                "type": "input",
                "block_id": BLOCK_SEQUENCE,
                "optional": True,
                "label": plain("Into sequence"),
                "element": {
                    "type": "static_select",
                    "action_id": "value",
                    "placeholder": plain("Pick one of your sequences"),
                    "options": choices,
                },
            }
        )
    blocks.append(
        {
            "type": "input",
            "block_id": BLOCK_NEW_SEQUENCE,
            "optional": bool(sequences),
            "label": plain("Or a new sequence" if sequences else "New sequence"),
            "element": {
                "type": "plain_text_input",
                "action_id": "value",
                "max_length": 255,
                "placeholder": plain("Name of a new sequence"),
            },
        }
    )
    blocks.append(
        context(
            "Members are added as already linked to their record, nothing is created in "
            f"{escape(crm)}. Members without an email are counted and skipped. "
            "One list at a time."
        )
    )
    return modal(
        CALLBACK_IMPORT,
        f"Import from {crm}",
        blocks,
        submit="Import",
        private_metadata=private_metadata,
    )


def list_options(lists: list[tuple[str, str]], query: str) -> list[dict[str, Any]]:
    """External-select options for ``(id, name)`` lists whose name contains ``query``."""
    needle = query.strip().casefold()
    matching = [(i, n) for i, n in lists if needle in n.casefold()]
    return [option(truncate(name, 75), list_id) for list_id, name in matching[:MAX_OPTIONS]]


def progress_message(s: ImportSummary) -> tuple[str, list[dict[str, Any]]]:
    text = (
        f"Importing {s.crm} list “{s.list_name}” into “{s.sequence_name}”: "
        f"{s.processed} of {s.total or '?'} members done."
    )
    return text, [section(f":hourglass_flowing_sand: {escape(text)}", block_id="import")]


def summary_message(s: ImportSummary) -> tuple[str, list[dict[str, Any]]]:
    if s.status == "failed":
        text = (
            f"The import of {s.crm} list “{s.list_name}” into “{s.sequence_name}” stopped: "
            f"{reason_text(s.reason)}. Added {s.added} before it stopped; run "
            "`/crm import` again to finish (members already added are not added twice)."
        )
        return text, [section(f":x: {escape(text)}", block_id="import")]
    text = (
        f"Imported {s.crm} list “{s.list_name}” into “{s.sequence_name}”: added {s.added}, "
        f"skipped {s.skipped_no_email} without email, already in sequence {s.already}."
    )
    blocks = [section(f":white_check_mark: {escape(text)}", block_id="import")]
    if s.skipped_no_email:
        blocks.append(
            context(
                f"{s.skipped_no_email} member(s) have no email in {escape(s.crm)}; add one there "
                "and import the list again to include them."
            )
        )
    return text, blocks
