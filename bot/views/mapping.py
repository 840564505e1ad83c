"""The ``/crm mapping`` modal: rows of source → CRM field, plus add/remove row buttons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.connectors.base import FieldSpec
from bot.services.mapping import CONSTANT, CONTACT_FIELDS, CUSTOM, FIELD, MappingRow
from bot.views.blocks import actions, button, context, modal, option, plain, section
from bot.views.limits import BLOCKS_PER_VIEW, OPTION_TEXT, OPTIONS_PER_SELECT, clip

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


@dataclass(frozen=True)
class MappingForm:
    crm: str
    record_types: tuple[str, ...]
    record_type: str
    fields: tuple[FieldSpec, ...]
    rows: tuple[MappingRow, ...]
    version: int | None = None


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


def mapping_modal(form: MappingForm, private_metadata: str = "") -> dict[str, Any]:
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
        private_metadata=private_metadata,
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


def rows_from_state(
    values: dict[str, Any], count: int, fields: tuple[FieldSpec, ...] | list[FieldSpec]
) -> list[MappingRow]:
    """The rows as the teammate left them in the modal (``view.state.values``)."""
    types = {f.name: f.type for f in fields}
    rows = []
    for i in range(count):
        source = _selected(values, source_block(i)) or ""
        text = ((values.get(value_block(i)) or {}).get("value") or {}).get("value") or ""
        crm_field = _selected(values, field_block(i)) or ""
        kind, _, name = source.partition(":")
        value = name if kind == FIELD else text.strip() if kind == CUSTOM else text
        rows.append(MappingRow(kind, value, crm_field, types.get(crm_field, "string")))
    return rows


def _selected(values: dict[str, Any], block_id: str) -> str | None:
    for entry in (values.get(block_id) or {}).values():
        chosen = entry.get("selected_option") or {}
        return chosen.get("value")
    return None
