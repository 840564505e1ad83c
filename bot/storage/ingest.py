"""Set-based statements that store one batch of outreach events, on SQLite and PostgreSQL.

``services/ingest.py`` decides what a batch changes; these functions read and write it in a
fixed number of statements, whatever the batch size. Each runs inside
:meth:`Database.write`, one transaction for the batch.

Writes go to the driver directly: one multi-row ``INSERT ... RETURNING`` or one executemany
``UPDATE`` per table, with values converted by the columns' own SQLAlchemy bind processors.
SQLAlchemy's per-row parameter handling would cost several times SQLite's own work per row.

Concurrent batches on PostgreSQL: every batch visits the tables in the same order (events,
sequences, contacts, memberships, activities), locks the contacts and memberships it will
change with ``FOR UPDATE`` in id order and inserts new rows in key order, so two batches
touching the same people queue behind each other instead of deadlocking. Sequences are read
without a lock: every batch of a team names the same few, and a lock would queue all of them;
a rename takes its row lock in the write phase, after all contact locks, so it cannot close a
cycle either. A row another batch created after this one
looked raises :class:`RetryTransaction`, and the batch is planned again from what is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Row, Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage import models as m
from bot.storage.db import RetryTransaction
from bot.storage.models import utcnow

__all__ = [
    "CONTACT_FIELDS",
    "MEMBERSHIP_FIELDS",
    "Session",
    "StoredRow",
    "connections_of",
    "ensure_workspaces",
    "insert_events",
    "insert_new",
    "insert_rows",
    "load_sequences",
    "lock_contacts",
    "lock_memberships",
    "update_rows",
]


def _table(model: type[m.Base]) -> Table:
    return cast(Table, model.__table__)


WORKSPACES = _table(m.Workspace)
EVENTS = _table(m.OutreachEvent)
SEQUENCES = _table(m.Sequence)
CONTACTS = _table(m.Contact)
MEMBERSHIPS = _table(m.Membership)
ACTIVITIES = _table(m.Activity)
CONNECTIONS = _table(m.Connection)

CONTACT_FIELDS = (
    "first_name",
    "last_name",
    "title",
    "company",
    "phone",
    "linkedin_url",
    "location",
)
# What applying events may change on a membership (the ingest rules and sync/rules.py).
MEMBERSHIP_FIELDS = (
    "state",
    "sentiment",
    "replied_at",
    "sync_state",
    "sync_reason_code",
    "sync_reason_params",
    "next_attempt_at",
    "dedup_state",
)
EVENT_COLUMNS = ("workspace_id", "id", "type", "occurred_at", "received_at", "payload")
# Bound parameters per statement, under SQLite's (32,766) and PostgreSQL's (65,535) limits.
MAX_PARAMETERS = 30_000

# The types the ingest service handles without importing SQLAlchemy itself.
Session = AsyncSession
StoredRow = Row


# --- writing through the driver ----------------------------------------------------------------


async def insert_rows(
    session: AsyncSession,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    returning: Sequence[str] = (),
    on_conflict_do_nothing: bool = False,
    serialized: Collection[str] = (),
) -> list[tuple[Any, ...]]:
    """Insert ``rows`` (values in ``columns`` order); the ``returning`` columns of those
    inserted. ``serialized`` names JSON columns whose values are already JSON text."""
    connection = await session.connection()
    dialect = connection.dialect
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    quote = dialect.identifier_preparer.quote
    head = f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) VALUES "
    tail = " ON CONFLICT DO NOTHING" if on_conflict_do_nothing else ""
    if returning:
        tail += f" RETURNING {', '.join(quote(c) for c in returning)}"
    one_row = f"({', '.join([mark] * len(columns))})"
    convert = _converter(dialect, table, tuple(columns), tuple(serialized))
    found: list[tuple[Any, ...]] = []
    step = max(1, MAX_PARAMETERS // len(columns))
    for start in range(0, len(rows), step):
        chunk = rows[start : start + step]
        params = [value for row in chunk for value in convert(row)]
        sql = head + ", ".join([one_row] * len(chunk)) + tail
        result = await connection.exec_driver_sql(sql, tuple(params))
        if returning:
            found.extend(tuple(r) for r in result.all())
    return found


async def update_rows(
    session: AsyncSession, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """``UPDATE table SET columns WHERE id`` for each row (its values in ``columns`` order,
    then its id), as one executemany, in id order."""
    if not rows:
        return
    connection = await session.connection()
    dialect = connection.dialect
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    quote = dialect.identifier_preparer.quote
    sets = ", ".join(f"{quote(c)} = {mark}" for c in columns)
    sql = f"UPDATE {quote(table.name)} SET {sets} WHERE id = {mark}"
    convert = _converter(dialect, table, (*columns, "id"), ())
    params = [convert(row) for row in sorted(rows, key=lambda row: row[-1])]
    await connection.exec_driver_sql(sql, params)


@lru_cache(maxsize=64)
def _converter(
    dialect: Any, table: Table, columns: tuple[str, ...], serialized: tuple[str, ...]
) -> Callable[[Sequence[Any]], Sequence[Any]]:
    """Row values → driver values, by each column type's bind processor."""
    steps = [
        (i, process)
        for i, name in enumerate(columns)
        if name not in serialized
        and (process := table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
    ]

    def convert(row: Sequence[Any]) -> Sequence[Any]:
        if not steps:
            return row
        values = list(row)
        for i, process in steps:
            if values[i] is not None:
                values[i] = process(values[i])
        return tuple(values)

    return convert


# --- the batch's statements ---------------------------------------------------------------------


async def ensure_workspaces(session: AsyncSession, workspace_ids: Collection[str]) -> None:
    now = utcnow()
    rows = [(ws, now) for ws in sorted(set(workspace_ids))]
    await insert_rows(session, WORKSPACES, ("id", "created_at"), rows, on_conflict_do_nothing=True)


async def insert_events(session: AsyncSession, rows: list[tuple[Any, ...]]) -> set[tuple[str, str]]:
    """Store events not seen before (values in ``EVENT_COLUMNS`` order, the payload as JSON
    text); the (workspace, id) of those stored now."""
    stored = await insert_rows(
        session,
        EVENTS,
        EVENT_COLUMNS,
        sorted(rows, key=lambda row: (row[0], row[1])),
        returning=("workspace_id", "id"),
        on_conflict_do_nothing=True,
        serialized=("payload",),
    )
    return {(ws, event_id) for ws, event_id in stored}


async def insert_new(
    session: AsyncSession,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    key: int,
) -> dict[tuple[Any, ...], int]:
    """Insert rows that were not stored when the batch looked; their ids by their first ``key``
    values. Another transaction may have created one since: that row is left alone and the
    batch starts over (:class:`RetryTransaction`), to apply its events on top of it."""
    if not rows:
        return {}
    ordered = sorted(rows, key=lambda row: tuple(row[:key]))
    stored = await insert_rows(
        session,
        table,
        columns,
        ordered,
        returning=("id", *columns[:key]),
        on_conflict_do_nothing=True,
    )
    if len(stored) < len(rows):
        raise RetryTransaction(f"{len(rows) - len(stored)} {table.name} were created meanwhile")
    return {tuple(found[1:]): found[0] for found in stored}


async def load_sequences(session: AsyncSession, keys: Collection[tuple[str, str]]) -> list[Row]:
    """The stored sequences among (workspace, external id) keys."""
    return await _select(session, SEQUENCES, SEQUENCES.c.external_id, keys, lock=False)


async def lock_contacts(session: AsyncSession, keys: Collection[tuple[str, str]]) -> list[Row]:
    """The stored contacts among (workspace, email) keys, locked until commit.

    On PostgreSQL the missing ones are created first, empty: a batch creating the same person
    meanwhile is waited for instead of making one of the two start over (consecutive batches
    of a tool often name the same new people). SQLite has one writer: nothing to wait for."""
    if keys and session.get_bind().dialect.name == "postgresql":
        empty = sorted((ws, email, {}) for ws, email in keys)
        await insert_rows(
            session,
            CONTACTS,
            ("workspace_id", "email", "custom"),
            empty,
            on_conflict_do_nothing=True,
        )
    return await _select(session, CONTACTS, CONTACTS.c.email, keys, lock=True)


async def _select(
    session: AsyncSession,
    table: Table,
    column: Any,
    keys: Collection[tuple[str, str]],
    *,
    lock: bool,
) -> list[Row]:
    if not keys:
        return []
    query = (
        select(table)
        .where(
            table.c.workspace_id.in_({ws for ws, _ in keys}),
            column.in_({value for _, value in keys}),
        )
        .order_by(table.c.id)
    )
    rows = await session.execute(query.with_for_update() if lock else query)
    # The query asks for the cross product of workspaces and values; keep the pairs asked for.
    return [row for row in rows if (row.workspace_id, row._mapping[column.key]) in keys]


async def lock_memberships(session: AsyncSession, pairs: Collection[tuple[int, int]]) -> list[Row]:
    """The stored memberships among (sequence id, contact id) pairs, locked until commit."""
    if not pairs:
        return []
    rows = await session.execute(
        select(MEMBERSHIPS)
        .where(
            MEMBERSHIPS.c.sequence_id.in_({seq for seq, _ in pairs}),
            MEMBERSHIPS.c.contact_id.in_({contact for _, contact in pairs}),
        )
        .order_by(MEMBERSHIPS.c.id)
        .with_for_update()
    )
    return [row for row in rows if (row.sequence_id, row.contact_id) in pairs]


async def connections_of(
    session: AsyncSession, owners: Collection[tuple[str, str]]
) -> dict[tuple[str, str], Row]:
    """The CRM connection of each (workspace, user) that has one."""
    if not owners:
        return {}
    rows = await session.execute(
        select(CONNECTIONS).where(
            CONNECTIONS.c.workspace_id.in_({ws for ws, _ in owners}),
            CONNECTIONS.c.user_id.in_({user for _, user in owners}),
        )
    )
    found = {(row.workspace_id, row.user_id): row for row in rows}
    return {key: row for key, row in found.items() if key in owners}
