"""Field mapping (PRODUCT.md section 4, rule 10): rows of source → CRM field, checked against
the CRM's own field list, saved as a new version each time.

A source is a contact field (``first_name``...), a key of the contact's ``custom`` dict, or a
constant. The latest version for the record type being created applies; contacts synced
earlier keep what they were created with (their link records the version used). Problems are
codes with parameters; ``bot.views.mapping`` words them.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from bot.connectors.base import FieldSpec
from bot.storage.models import Contact, MappingVersion
from bot.storage.repos import Repo

__all__ = [
    "CONSTANT",
    "CONTACT_FIELDS",
    "CUSTOM",
    "FIELD",
    "MappingError",
    "MappingRow",
    "Problem",
    "SavedMapping",
    "latest_mapping",
    "mapped_values",
    "save_version",
    "validate_rows",
]

FIELD, CUSTOM, CONSTANT = "field", "custom", "constant"
SOURCE_KINDS = (FIELD, CUSTOM, CONSTANT)

# The contact fields a row can read, with their labels (the only words kept here: they name
# our own data model, and the modal and the problems both show them).
CONTACT_FIELDS: dict[str, str] = {
    "email": "Email",
    "first_name": "First name",
    "last_name": "Last name",
    "title": "Title",
    "company": "Company",
    "phone": "Phone",
    "linkedin_url": "LinkedIn URL",
    "location": "Location",
}
# Contact fields every contact has a value for (a name falls back to the email's local part).
ALWAYS_FILLED = frozenset({"email"})
TEXT_TYPES = frozenset({"string", "text", "textarea", "email", "phone", "url"})
NUMBER_TYPES = frozenset({"number", "currency", "double", "int", "integer", "percent"})
BOOLEAN_WORDS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
URL_RE = re.compile(r"^https?://\S+\.\S+$")


@dataclass(frozen=True)
class MappingRow:
    source_kind: str  # field | custom | constant
    source: str  # contact field name, custom key, or the constant itself
    crm_field: str
    crm_type: str = "string"


class Problem(enum.StrEnum):
    """What is wrong with a row; the params each carries are in ``MappingError.params``."""

    NO_SOURCE = "no_source"
    NOT_A_CONTACT_FIELD = "not_a_contact_field"  # source
    NO_CUSTOM_KEY = "no_custom_key"
    NO_CRM_FIELD = "no_crm_field"
    UNKNOWN_CRM_FIELD = "unknown_crm_field"  # field
    FIELD_TAKEN = "field_taken"  # label, row (1-based)
    REQUIRED_MAY_BE_EMPTY = "required_may_be_empty"  # label, source_kind, source
    TEXT_INTO_TYPED = "text_into_typed"  # label, type, source_kind, source
    PICKLIST_NEEDS_CONSTANT = "picklist_needs_constant"  # label, choices
    REQUIRED_CONSTANT_EMPTY = "required_constant_empty"  # label
    NO_CONSTANT = "no_constant"
    TOO_LONG = "too_long"  # label, max
    NOT_IN_PICKLIST = "not_in_picklist"  # label, choices
    NOT_A_NUMBER = "not_a_number"  # label, value
    NOT_YES_NO = "not_yes_no"  # label
    NOT_A_DATE = "not_a_date"  # label
    NOT_AN_EMAIL = "not_an_email"  # label
    NOT_A_URL = "not_a_url"  # label
    UNSUPPORTED_TYPE = "unsupported_type"  # label, type


@dataclass(frozen=True)
class MappingError:
    """A problem with row ``index`` (0-based); ``part`` is which input it belongs to."""

    index: int
    part: str  # "source" | "value" | "field"
    problem: Problem
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SavedMapping:
    version: int
    record_type: str
    rows: tuple[MappingRow, ...]


Found = tuple[str, Problem, dict[str, Any]] | None


def validate_rows(rows: list[MappingRow], fields: Iterable[FieldSpec]) -> list[MappingError]:
    """Every problem of the rows against the CRM's field list, one per row at most."""
    by_name = {f.name: f for f in fields}
    errors: list[MappingError] = []
    seen: dict[str, int] = {}
    for i, row in enumerate(rows):
        problem = _row_problem(row, by_name.get(row.crm_field), seen.get(row.crm_field))
        if problem:
            errors.append(MappingError(i, *problem))
        seen.setdefault(row.crm_field, i)
    return errors


def _row_problem(row: MappingRow, spec: FieldSpec | None, earlier: int | None) -> Found:
    if row.source_kind not in SOURCE_KINDS:
        return "source", Problem.NO_SOURCE, {}
    if row.source_kind == FIELD and row.source not in CONTACT_FIELDS:
        return "source", Problem.NOT_A_CONTACT_FIELD, {"source": row.source}
    if row.source_kind == CUSTOM and not row.source.strip():
        return "value", Problem.NO_CUSTOM_KEY, {}
    if spec is None:
        if not row.crm_field:
            return "field", Problem.NO_CRM_FIELD, {}
        return "field", Problem.UNKNOWN_CRM_FIELD, {"field": row.crm_field}
    if earlier is not None:
        return "field", Problem.FIELD_TAKEN, {"label": spec.label, "row": earlier + 1}
    if row.source_kind == CONSTANT:
        return _constant_problem(row.source, spec)
    return _source_problem(row, spec)


def _source_problem(row: MappingRow, spec: FieldSpec) -> Found:
    source = {"source_kind": row.source_kind, "source": row.source}
    maybe_empty = not (row.source_kind == FIELD and row.source in ALWAYS_FILLED)
    if spec.required and maybe_empty:
        return "source", Problem.REQUIRED_MAY_BE_EMPTY, {"label": spec.label, **source}
    if row.source_kind == FIELD and spec.type not in TEXT_TYPES and spec.type != "picklist":
        return "field", Problem.TEXT_INTO_TYPED, {"label": spec.label, "type": spec.type, **source}
    if row.source_kind == FIELD and spec.type == "picklist":
        choices = list(spec.picklist)
        return "field", Problem.PICKLIST_NEEDS_CONSTANT, {"label": spec.label, "choices": choices}
    return None


def _constant_problem(value: str, spec: FieldSpec) -> Found:
    text = value.strip()
    label = {"label": spec.label}
    if not text:
        if spec.required:
            return "value", Problem.REQUIRED_CONSTANT_EMPTY, label
        return "value", Problem.NO_CONSTANT, {}
    if spec.max_length is not None and len(text) > spec.max_length:
        return "value", Problem.TOO_LONG, {**label, "max": spec.max_length}
    problem = _type_problem(text, spec)
    return ("value", problem[0], {**label, **problem[1]}) if problem else None


def _type_problem(text: str, spec: FieldSpec) -> tuple[Problem, dict[str, Any]] | None:
    kind = spec.type
    if kind in ("picklist", "multipicklist") or spec.picklist:
        values = [v.strip() for v in text.split(",")] if kind == "multipicklist" else [text]
        if any(v not in spec.picklist for v in values):
            return Problem.NOT_IN_PICKLIST, {"choices": list(spec.picklist)}
    elif kind in NUMBER_TYPES:
        if _number(text) is None:
            return Problem.NOT_A_NUMBER, {"value": text}
    elif kind == "boolean":
        if text.lower() not in BOOLEAN_WORDS:
            return Problem.NOT_YES_NO, {}
    elif kind == "date":
        if not _is_date(text):
            return Problem.NOT_A_DATE, {}
    elif kind == "email" and not EMAIL_RE.match(text):
        return Problem.NOT_AN_EMAIL, {}
    elif kind == "url" and not URL_RE.match(text):
        return Problem.NOT_A_URL, {}
    elif kind not in TEXT_TYPES:
        return Problem.UNSUPPORTED_TYPE, {"type": kind}
    return None


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


# --- applying a mapping -----------------------------------------------------------------------


def mapped_values(rows: Iterable[MappingRow], contact: Contact) -> dict[str, Any]:
    """The CRM field values for ``contact``; empty sources are left out (CRM defaults stay)."""
    values: dict[str, Any] = {}
    for row in rows:
        raw = _source_value(row, contact)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        values[row.crm_field] = _coerce(raw, row.crm_type)
    return values


def _source_value(row: MappingRow, contact: Contact) -> Any:
    if row.source_kind == FIELD:
        return getattr(contact, row.source, None)
    if row.source_kind == CUSTOM:
        return (contact.custom or {}).get(row.source)
    return row.source


def _coerce(value: Any, crm_type: str) -> Any:
    if not isinstance(value, str):
        return value
    text = value.strip()
    if crm_type in NUMBER_TYPES:
        number = _number(text)
        if number is None:
            return text
        return int(number) if number.is_integer() else number
    if crm_type == "boolean":
        return BOOLEAN_WORDS.get(text.lower(), text)
    if crm_type == "multipicklist":
        return [v.strip() for v in text.split(",") if v.strip()]
    return text


# --- saved versions ---------------------------------------------------------------------------


def _saved(version: MappingVersion) -> SavedMapping:
    rows = tuple(MappingRow(**row) for row in version.rows or [])
    return SavedMapping(version.version, version.record_type, rows)


async def latest_mapping(
    repo: Repo, connection_id: int, record_type: str | None = None
) -> SavedMapping | None:
    row = await repo.latest_mapping_version(connection_id, record_type)
    return _saved(row) if row is not None else None


async def save_version(
    repo: Repo, connection_id: int, record_type: str, rows: Iterable[MappingRow], user_id: str
) -> int:
    return await repo.add_mapping_version(
        connection_id, record_type, [asdict(r) for r in rows], user_id
    )
