"""The ``/crm mapping`` modal: rows of source → CRM field, plus add/remove row buttons."""

from __future__ import annotations

from typing import Any

from bot.connectors.base import FieldSpec
from bot.services.mapping import MappingForm
from bot.services.problems import Problem as Refusal
from bot.services.problems import Refused
from bot.sync.mapping import (
    CONSTANT,
    CONTACT_FIELDS,
    CUSTOM,
    FIELD,
    MappingError,
    MappingRow,
    Problem,
)
from bot.views.blocks import actions, button, context, modal, option, plain, section
from bot.views.limits import BLOCKS_PER_VIEW, OPTION_TEXT, OPTIONS_PER_SELECT, clip
from bot.views.problems import problem_text as refusal_text

CALLBACK_MAPPING = "mapping_submit"
ACTION_ADD = "mapping_add_row"
ACTION_REMOVE = "mapping_remove_row"
ACTION_RECORD_TYPE = "mapping_record_type"
ACTION_FIELD_OPTIONS = "mapping_field_options"
BLOCK_RECORD_TYPE = "mapping_record_type"
# Four blocks a row (source, key/constant, field, remove) and a few fixed ones around them.
BLOCKS_PER_ROW = 4
MAX_ROWS = (BLOCKS_PER_VIEW - 6) // BLOCKS_PER_ROW

SOURCE_CUSTOM = CUSTOM
SOURCE_CONSTANT = CONSTANT


def source_block(i: int) -> str:
    return f"map_source_{i}"


def value_block(i: int) -> str:
    return f"map_value_{i}"


def field_block(i: int) -> str:
    return f"map_field_{i}"


def _source_options() -> list[dict[str, Any]]:
    fields = [
        option(f"Contact: {label}", f"{FIELD}:{name}") for name, label in CONTACT_FIELDS.items()
    ]
    return [
        *fields,
        option("Custom key (type it below)", SOURCE_CUSTOM),
        option("Constant (type it below)", SOURCE_CONSTANT),
    ]


def source_value(row: MappingRow) -> str:
    return f"{FIELD}:{row.source}" if row.source_kind == FIELD else row.source_kind


def field_option(spec: FieldSpec) -> dict[str, Any]:
    label = spec.label + (" (required)" if spec.required else "")
    return option(clip(label, OPTION_TEXT), spec.name)


def _field_element(form: MappingForm, row: MappingRow | None) -> dict[str, Any]:
    chosen = next((f for f in form.fields if row and f.name == row.crm_field), None)
    if len(form.fields) > OPTIONS_PER_SELECT:
        # Too many for a static select: Slack asks for matches as the teammate types.
        element: dict[str, Any] = {
            "type": "external_select",
            "action_id": ACTION_FIELD_OPTIONS,
            "min_query_length": 0,
            "placeholder": plain("Type to search fields"),
        }
    else:
        element = {
            "type": "static_select",
            "action_id": "value",
            "placeholder": plain("Choose a field"),
            "options": [field_option(f) for f in form.fields],
        }
    if chosen:
        element["initial_option"] = field_option(chosen)
    return element


def _row_blocks(form: MappingForm, i: int, row: MappingRow | None) -> list[dict[str, Any]]:
    sources = _source_options()
    source: dict[str, Any] = {
        "type": "static_select",
        "action_id": "value",
        "placeholder": plain("Where the value comes from"),
        "options": sources,
    }
    if row and row.source_kind:
        chosen = next((o for o in sources if o["value"] == source_value(row)), None)
        if chosen:
            source["initial_option"] = chosen
    text: dict[str, Any] = {"type": "plain_text_input", "action_id": "value", "max_length": 255}
    if row and row.source_kind in (CUSTOM, CONSTANT) and row.source:
        text["initial_value"] = row.source[:255]
    return [
        {
            "type": "input",
            "block_id": source_block(i),
            "label": plain(f"Row {i + 1}: source"),
            "element": source,
        },
        {
            "type": "input",
            "block_id": value_block(i),
            "optional": True,
            "label": plain(f"Row {i + 1}: custom key or constant"),
            "element": text,
        },
        {
            "type": "input",
            "block_id": field_block(i),
            "label": plain(clip(f"Row {i + 1}: {form.crm} field", 2000)),
            "element": _field_element(form, row),
        },
        actions(f"map_row_{i}", button(f"Remove row {i + 1}", ACTION_REMOVE, value=str(i))),
    ]


def _record_type_block(form: MappingForm) -> dict[str, Any]:
    options = [option(t, t) for t in form.record_types[:OPTIONS_PER_SELECT]]
    chosen = next((o for o in options if o["value"] == form.record_type), options[0])
    return {
        "type": "input",
        "block_id": BLOCK_RECORD_TYPE,
        "dispatch_action": True,
        "label": plain("Record type"),
        "element": {
            "type": "static_select",
            "action_id": ACTION_RECORD_TYPE,
            "options": options,
            "initial_option": chosen,
        },
    }


def mapping_modal(form: MappingForm, private_metadata: str | None = None) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = []
    if len(form.record_types) > 1:
        blocks.append(_record_type_block(form))
    saved = f"version {form.version}" if form.version else "no mapping saved yet"
    blocks.append(
        context(
            f"Fills {form.crm} {form.record_type} fields when a contact is created "
            f"({saved}). Contacts synced earlier keep their values."
        )
    )
    rows = list(form.rows[:MAX_ROWS])
    for i, row in enumerate(rows):
        blocks += _row_blocks(form, i, row)
    if len(rows) < MAX_ROWS:
        blocks.append(actions("map_add", button("Add row", ACTION_ADD)))
    else:
        blocks.append(context(f"A mapping holds at most {MAX_ROWS} rows."))
    return modal(
        CALLBACK_MAPPING,
        f"{form.crm} field mapping",
        blocks,
        submit="Save mapping",
        private_metadata=form.metadata if private_metadata is None else private_metadata,
    )


def loading_modal(crm: str, private_metadata: str = "") -> dict[str, Any]:
    return modal(
        CALLBACK_MAPPING,
        f"{crm} field mapping",
        [section(f"Loading the field list from {crm}…")],
        private_metadata=private_metadata,
    )


def problem_modal(crm: str, reason: str) -> dict[str, Any]:
    return modal(
        CALLBACK_MAPPING, f"{crm} field mapping", [section(f":warning: {reason}")], close="Close"
    )


def saved_modal(crm: str, record_type: str, version: int, rows: int) -> dict[str, Any]:
    what = f"{rows} row{'s' if rows != 1 else ''}" if rows else "no rows (the built-in fields)"
    return modal(
        CALLBACK_MAPPING + "_done",
        f"{crm} field mapping",
        [
            section(
                f":white_check_mark: Saved mapping *version {version}* for {crm} "
                f"{record_type}: {what}."
            ),
            context(
                "It applies to contacts created in the CRM from now on; contacts synced "
                "earlier are not re-synced."
            ),
        ],
        close="Done",
    )


def rows_from_state(values: dict[str, Any], count: int) -> list[MappingRow]:
    """The first ``count`` rows as the teammate left them in the modal (``view.state.values``);
    the CRM type of each is the service's to fill in."""
    rows = []
    for i in range(count):
        source = _selected(values, source_block(i)) or ""
        text = ((values.get(value_block(i)) or {}).get("value") or {}).get("value") or ""
        crm_field = _selected(values, field_block(i)) or ""
        kind, _, name = source.partition(":")
        value = name if kind == FIELD else text.strip() if kind == CUSTOM else text
        rows.append(MappingRow(kind, value, crm_field))
    return rows


def _selected(values: dict[str, Any], block_id: str) -> str | None:
    for entry in (values.get(block_id) or {}).values():
        chosen = entry.get("selected_option") or {}
        return chosen.get("value")
    return None


# --- problems ---------------------------------------------------------------------------------


def describe_source(source_kind: str, source: str) -> str:
    if source_kind == FIELD:
        return CONTACT_FIELDS.get(source, source)
    if source_kind == CUSTOM:
        return f"custom “{source}”"
    return f"“{source}”"


def _choices(choices: list[str], limit: int = 10) -> str:
    shown = ", ".join(choices[:limit])
    return shown + (", …" if len(choices) > limit else "") if shown else "none"


_PROBLEM_WORDS = {
    Problem.NO_SOURCE: "Choose where the value comes from.",
    Problem.NOT_A_CONTACT_FIELD: "“{source}” is not a contact field.",
    Problem.NO_CUSTOM_KEY: "Type the custom key to read from the contact.",
    Problem.NO_CRM_FIELD: "Choose the CRM field to fill.",
    Problem.UNKNOWN_CRM_FIELD: "“{field}” is not a field of this record type in the CRM.",
    Problem.FIELD_TAKEN: "{label} is already filled by row {row}.",
    Problem.REQUIRED_MAY_BE_EMPTY: (
        "{label} is required, and {described} can be empty: map it from the email or a constant."
    ),
    Problem.TEXT_INTO_TYPED: "{label} takes a {type}; {described} is text.",
    Problem.PICKLIST_NEEDS_CONSTANT: (
        "{label} only accepts its listed values; map it from a constant (one of: {listed})."
    ),
    Problem.REQUIRED_CONSTANT_EMPTY: "{label} is required: the constant cannot be empty.",
    Problem.NO_CONSTANT: "Type the constant value.",
    Problem.TOO_LONG: "{label} holds at most {max} characters.",
    Problem.NOT_IN_PICKLIST: "{label} must be one of: {listed}.",
    Problem.NOT_A_NUMBER: "{label} takes a number, not “{value}”.",
    Problem.NOT_YES_NO: "{label} takes yes or no.",
    Problem.NOT_A_DATE: "{label} takes a date like 2026-11-23.",
    Problem.NOT_AN_EMAIL: "{label} takes an email address.",
    Problem.NOT_A_URL: "{label} takes a web address starting with https://.",
    Problem.UNSUPPORTED_TYPE: "{label} is a {type} field, which a mapping cannot fill.",
}


def problem_text(error: MappingError) -> str:
    params = dict(error.params)
    if "source_kind" in params:
        params["described"] = describe_source(params["source_kind"], params["source"])
    if "choices" in params:
        params["listed"] = _choices(params["choices"])
    return _PROBLEM_WORDS[error.problem].format(**params)


def problem_errors(errors: list[MappingError]) -> dict[str, str]:
    """Inline errors of the modal: each under the input of its row it belongs to."""
    blocks = {"source": source_block, "value": value_block, "field": field_block}
    return {blocks[e.part](e.index): problem_text(e) for e in errors}


def unreadable_fields(refused: Refused) -> str:
    """On opening: the CRM did not give its field list."""
    crm = refused.params.get("crm", "the CRM")
    return f"Could not read the field list from {crm}: {_crm_reason(refused)}"


def uncheckable_fields(refused: Refused) -> dict[str, str]:
    """On saving: the CRM did not give its field list to check the rows against."""
    crm = refused.params.get("crm", "the CRM")
    return {field_block(0): f"Could not check the fields in {crm}: {_crm_reason(refused)}"}


def _crm_reason(refused: Refused) -> str:
    if refused.problem is Refusal.CRM_SLOW:
        return f"{refused.params['crm']} did not answer in time"
    if refused.problem is Refusal.CRM_UNREACHABLE:
        return refused.params["detail"]
    return refusal_text(refused)
