"""``/crm mapping``: the form of the teammate's field mapping, its field search, and saving a
new version (the rules are :mod:`bot.sync.mapping`)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, replace

from bot.connectors.base import FieldSpec
from bot.connectors.errors import ConnectorError
from bot.services.context import ServiceContext
from bot.services.crms import Crm, crm
from bot.services.modal_state import load_state, pack_state
from bot.services.problems import NotConnected, Problem, Refused
from bot.services.settings import load_connection
from bot.storage.models import Connection
from bot.storage.repos import Repo
from bot.sync.mapping import MappingError, MappingRow, latest_mapping, save_version, validate_rows

__all__ = [
    "MappingForm",
    "MappingInvalid",
    "SavedMapping",
    "add_row",
    "field_choices",
    "mapping_crm",
    "mapping_form",
    "remove_row",
    "save_mapping",
    "switch_record_type",
]

# Leaves room inside Slack's 3 s for the database work around the CRM call.
FIELDS_TIMEOUT = 2.0
OPTIONS_LIMIT = 100

RowsChange = Callable[[str, list[MappingRow]], tuple[str, list[MappingRow] | None]]
# Reads the rows the teammate has in the modal, given how many it shows.
ReadRows = Callable[[int], list[MappingRow]]


def add_row(record_type: str, rows: list[MappingRow]) -> tuple[str, list[MappingRow] | None]:
    return record_type, [*rows, MappingRow("", "", "")]


def remove_row(index: int) -> RowsChange:
    def change(record_type: str, rows: list[MappingRow]) -> tuple[str, list[MappingRow] | None]:
        return record_type, [r for i, r in enumerate(rows) if i != index]

    return change


def switch_record_type(chosen: str | None) -> RowsChange:
    """Another record type starts from its own saved mapping; the same one changes nothing."""

    def change(record_type: str, rows: list[MappingRow]) -> tuple[str, list[MappingRow] | None]:
        return (chosen, None) if chosen and chosen != record_type else (record_type, rows)

    return change


@dataclass(frozen=True)
class MappingForm:
    crm: str
    record_types: tuple[str, ...]
    record_type: str
    fields: tuple[FieldSpec, ...]
    rows: tuple[MappingRow, ...]
    version: int | None = None
    metadata: str = ""  # the modal's state across its steps


@dataclass(frozen=True)
class SavedMapping:
    crm: str
    record_type: str
    version: int
    rows: int


class MappingInvalid(Exception):
    def __init__(self, errors: list[MappingError]):
        super().__init__(f"{len(errors)} problems")
        self.errors = errors


async def _connection(
    ctx: ServiceContext, workspace_id: str, user_id: str
) -> tuple[Connection, Crm]:
    conn = await load_connection(ctx, workspace_id, user_id)
    info = crm(conn.kind)
    if info is None:
        raise NotConnected
    return conn, info


async def mapping_crm(ctx: ServiceContext, workspace_id: str, user_id: str) -> str:
    """The teammate's CRM, when it takes a field mapping; :class:`Refused` otherwise."""
    _, info = await _connection(ctx, workspace_id, user_id)
    if not info.mapping:
        raise Refused(Problem.NO_MAPPING, crm=info.name)
    return info.name


def _record_type(conn: Connection, info: Crm, chosen: str | None = None) -> str:
    return chosen or info.sync_as(conn.sync_as)


async def _fields(ctx: ServiceContext, conn: Connection, record_type: str) -> list[FieldSpec]:
    return await ctx.field_cache.fields(conn.id, record_type, lambda: ctx.connector_for(conn))


async def mapping_form(
    ctx: ServiceContext,
    workspace_id: str,
    user_id: str,
    *,
    max_rows: int,
    metadata: str = "",
    read_rows: ReadRows | None = None,
    change: RowsChange | None = None,
    channel: str = "",
) -> MappingForm:
    """The modal's form: the saved mapping on opening, or the rows the teammate has in the
    modal (``read_rows``) after ``change`` (a row added or removed, another record type).
    Shows ``max_rows`` rows at most. :class:`Refused` when the CRM does not give its field
    list."""
    conn, info = await _connection(ctx, workspace_id, user_id)
    state = await load_state(ctx, workspace_id, metadata)
    record_type = _record_type(conn, info, state.get("rt"))
    rows = None
    if read_rows is not None and change is not None:
        record_type, rows = change(record_type, read_rows(int(state.get("n", 0))))
    try:
        fields = await _fields(ctx, conn, record_type)
    except ConnectorError as exc:
        raise Refused(Problem.CRM_UNREACHABLE, crm=info.name, detail=exc.reason) from exc
    async with ctx.db.session() as session:
        saved = await latest_mapping(Repo(session, workspace_id), conn.id, record_type)
    if rows is None:
        rows = list(saved.rows) if saved and saved.rows else [MappingRow("", "", "")]
    form = MappingForm(
        crm=info.name,
        record_types=info.record_types,
        record_type=record_type,
        fields=tuple(fields),
        rows=tuple(_typed(rows, fields)),
        version=saved.version if saved else None,
    )
    kept = {"rt": record_type, "n": min(len(rows), max_rows), "ch": state.get("ch", channel)}
    return replace(form, metadata=await pack_state(ctx, workspace_id, kept))


def _typed(rows: list[MappingRow], fields: list[FieldSpec]) -> list[MappingRow]:
    """The rows with the CRM type of the field each fills."""
    types = {f.name: f.type for f in fields}
    return [replace(r, crm_type=types.get(r.crm_field, "string")) for r in rows]


async def field_choices(
    ctx: ServiceContext, workspace_id: str, user_id: str, metadata: str, query: str
) -> list[FieldSpec]:
    """CRM fields matching ``query`` for an external select; none when the CRM is slow."""
    try:
        conn, info = await _connection(ctx, workspace_id, user_id)
        state = await load_state(ctx, workspace_id, metadata)
        record_type = _record_type(conn, info, state.get("rt"))
        fields = await asyncio.wait_for(_fields(ctx, conn, record_type), FIELDS_TIMEOUT)
    except (NotConnected, ConnectorError, TimeoutError):
        return []
    needle = query.strip().casefold()
    matches = [f for f in fields if needle in f.label.casefold() or needle in f.name.casefold()]
    return matches[:OPTIONS_LIMIT]


async def save_mapping(
    ctx: ServiceContext, workspace_id: str, user_id: str, metadata: str, read_rows: ReadRows
) -> SavedMapping:
    """Check the rows against the CRM's fields and save them as a new version (no rows: back
    to the built-in fields). :class:`MappingInvalid` with every problem, or
    :class:`Refused` when the fields cannot be checked."""
    conn, info = await _connection(ctx, workspace_id, user_id)
    state = await load_state(ctx, workspace_id, metadata)
    record_type = _record_type(conn, info, state.get("rt"))
    rows = read_rows(int(state.get("n", 0)))
    if rows:
        try:
            fields = await asyncio.wait_for(_fields(ctx, conn, record_type), FIELDS_TIMEOUT)
        except ConnectorError as exc:
            raise Refused(Problem.CRM_UNREACHABLE, crm=info.name, detail=exc.reason) from exc
        except TimeoutError as exc:
            raise Refused(Problem.CRM_SLOW, crm=info.name) from exc
        rows = _typed(rows, fields)
        problems = validate_rows(rows, fields)
        if problems:
            raise MappingInvalid(problems)
    async with ctx.db.session() as session:
        repo = Repo(session, workspace_id)
        version = await save_version(repo, conn.id, record_type, rows, user_id)
    return SavedMapping(info.name, record_type, version, len(rows))
