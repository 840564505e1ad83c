"""Field mapping (PRODUCT.md section 4, rule 10): rows of source → CRM field, validated
against the CRM's own field list, saved as a new version each time.

A source is a contact field (``first_name``...), a key of the contact's ``custom`` dict, or a
constant. The latest version for the record type being created applies; contacts synced
earlier keep what they were created with (their link records the version used).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select

from bot.connectors.base import Connector, FieldSpec
from bot.storage.db import Database
from bot.storage.models import Contact, MappingVersion
from bot.storage.repos import Repo

__all__ = [
    "CONTACT_FIELDS",
    "FieldCache",
    "MappingError",
    "MappingRow",
    "SavedMapping",
    "latest_mapping",
    "mapped_values",
    "save_mapping",
    "validate_rows",
]

FIELD, CUSTOM, CONSTANT = "field", "custom", "constant"
SOURCE_KINDS = (FIELD, CUSTOM, CONSTANT)

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


@dataclass(frozen=True)
class MappingRow:
    source_kind: str  # field | custom | constant
    source: str  # contact field name, custom key, or the constant itself
    crm_field: str
    crm_type: str = "string"

    def describe(self) -> str:
        if self.source_kind == FIELD:
            return CONTACT_FIELDS.get(self.source, self.source)
        if self.source_kind == CUSTOM:
            return f"custom “{self.source}”"
        return f"“{self.source}”"


@dataclass(frozen=True)
class MappingError:
    """A problem with row ``index`` (0-based); ``part`` is which input it belongs to."""

    index: int
    part: str  # "source" | "value" | "field"
    message: str


@dataclass(frozen=True)
class SavedMapping:
    version: int
    record_type: str
    rows: tuple[MappingRow, ...]


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


def _row_problem(
    row: MappingRow, spec: FieldSpec | None, earlier: int | None
) -> tuple[str, str] | None:
    if row.source_kind not in SOURCE_KINDS:
        return "source", "Choose where the value comes from."
    if row.source_kind == FIELD and row.source not in CONTACT_FIELDS:
        return "source", f"“{row.source}” is not a contact field."
    if row.source_kind == CUSTOM and not row.source.strip():
        return "value", "Type the custom key to read from the contact."
    if spec is None:
        if not row.crm_field:
            return "field", "Choose the CRM field to fill."
        return "field", f"“{row.crm_field}” is not a field of this record type in the CRM."
    if earlier is not None:
        return "field", f"{spec.label} is already filled by row {earlier + 1}."
    if row.source_kind == CONSTANT:
        return _constant_problem(row.source, spec)
    return _source_problem(row, spec)


def _source_problem(row: MappingRow, spec: FieldSpec) -> tuple[str, str] | None:
    maybe_empty = not (row.source_kind == FIELD and row.source in ALWAYS_FILLED)
    if spec.required and maybe_empty:
        return "source", (
            f"{spec.label} is required, and {row.describe()} can be empty: "
            "map it from the email or a constant."
        )
    if row.source_kind == FIELD and spec.type not in TEXT_TYPES and spec.type != "picklist":
        return "field", f"{spec.label} takes a {spec.type}; {row.describe()} is text."
    if row.source_kind == FIELD and spec.type == "picklist":
        return "field", (
            f"{spec.label} only accepts its listed values; map it from a constant "
            f"(one of: {_choices(spec)})."
        )
    return None


def _constant_problem(value: str, spec: FieldSpec) -> tuple[str, str] | None:
    text = value.strip()
    if not text:
        if spec.required:
            return "value", f"{spec.label} is required: the constant cannot be empty."
        return "value", "Type the constant value."
    if spec.max_length is not None and len(text) > spec.max_length:
        return "value", f"{spec.label} holds at most {spec.max_length} characters."
    problem = _type_problem(text, spec)
    return ("value", problem) if problem else None


def _type_problem(text: str, spec: FieldSpec) -> str | None:
    kind = spec.type
    if kind in ("picklist", "multipicklist") or spec.picklist:
        values = [v.strip() for v in text.split(",")] if kind == "multipicklist" else [text]
        wrong = [v for v in values if v not in spec.picklist]
        if wrong:
            return f"{spec.label} must be one of: {_choices(spec)}."
    elif kind in NUMBER_TYPES:
        try:
            float(text)
        except ValueError:
            return f"{spec.label} takes a number, not “{text}”."
    elif kind == "boolean":
        if text.lower() not in BOOLEAN_WORDS:
            return f"{spec.label} takes yes or no."
    elif kind == "date":
        try:
            date.fromisoformat(text)
        except ValueError:
            return f"{spec.label} takes a date like 2026-11-23."
    elif kind == "email" and not EMAIL_RE.match(text):
        return f"{spec.label} takes an email address."
    elif kind == "url" and not re.match(r"^https?://\S+\.\S+$", text):
        return f"{spec.label} takes a web address starting with https://."
    elif kind not in TEXT_TYPES:
        return f"{spec.label} is a {kind} field, which a mapping cannot fill."
    return None


def _choices(spec: FieldSpec, limit: int = 10) -> str:
    shown = ", ".join(spec.picklist[:limit])
    return shown + (", …" if len(spec.picklist) > limit else "") if shown else "none"


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
        try:
            number = float(text)
        except ValueError:
            return text
        return int(number) if number.is_integer() else number
    if crm_type == "boolean":
        return BOOLEAN_WORDS.get(text.lower(), text)
    if crm_type == "multipicklist":
        return [v.strip() for v in text.split(",") if v.strip()]
    return text


# --- storage ----------------------------------------------------------------------------------


def _rows_of(version: MappingVersion) -> tuple[MappingRow, ...]:
    return tuple(MappingRow(**row) for row in version.rows or [])


async def latest_mapping(
    repo: Repo, connection_id: int, record_type: str | None = None
) -> SavedMapping | None:
    query = select(MappingVersion).where(
        MappingVersion.workspace_id == repo.ws, MappingVersion.connection_id == connection_id
    )
    if record_type is not None:
        query = query.where(MappingVersion.record_type == record_type)
    row = await repo.session.scalar(query.order_by(MappingVersion.version.desc()).limit(1))
    if row is None:
        return None
    return SavedMapping(row.version, row.record_type, _rows_of(row))


async def add_version(
    repo: Repo, connection_id: int, record_type: str, rows: Iterable[MappingRow], user_id: str
) -> int:
    current = await repo.session.scalar(
        select(func.max(MappingVersion.version)).where(
            MappingVersion.workspace_id == repo.ws, MappingVersion.connection_id == connection_id
        )
    )
    version = (current or 0) + 1
    repo.session.add(
        MappingVersion(
            workspace_id=repo.ws,
            connection_id=connection_id,
            version=version,
            record_type=record_type,
            rows=[asdict(r) for r in rows],
            created_by=user_id,
        )
    )
    await repo.session.flush()
    return version


async def save_mapping(
    db: Database,
    workspace_id: str,
    connection_id: int,
    record_type: str,
    rows: list[MappingRow],
    user_id: str,
) -> int:
    async with db.session() as session:
        return await add_version(
            Repo(session, workspace_id), connection_id, record_type, rows, user_id
        )


# --- the CRM's field list, cached -------------------------------------------------------------

TTL_SECONDS = 120


class FieldCache:
    """``describe_fields`` per (connection, record type), kept briefly: the modal needs it on
    open, on every row added or removed, and on save."""

    def __init__(self, ttl: float = TTL_SECONDS):
        self.ttl = ttl
        self._fields: dict[tuple[int, str], tuple[float, list[FieldSpec]]] = {}
        self._locks: dict[tuple[int, str], asyncio.Lock] = {}

    async def fields(
        self,
        connection_id: int,
        record_type: str,
        open_connector: Callable[[], Awaitable[Connector]],
    ) -> list[FieldSpec]:
        key = (connection_id, record_type)
        async with self._locks.setdefault(key, asyncio.Lock()):
            cached = self._fields.get(key)
            if cached and time.monotonic() - cached[0] < self.ttl:
                return cached[1]
            connector = await open_connector()
            try:
                fields = await connector.describe_fields(record_type)
            finally:
                await connector.aclose()
            self._fields[key] = (time.monotonic(), fields)
            return fields

    def forget(self, connection_id: int) -> None:
        for key in [k for k in self._fields if k[0] == connection_id]:
            self._fields.pop(key, None)
