"""Engine, sessions and migrations."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

__all__ = [
    "Database",
    "RetryTransaction",
    "StoreBusy",
    "alembic_config",
    "libpq_url",
    "upgrade_to_head",
]

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
T = TypeVar("T")

# Failures that say "not now" rather than "wrong": SQLite's lock, PostgreSQL's deadlock,
# serialization failure and lock timeout. Running the transaction again is the cure.
_TRANSIENT_SQLITE = {"SQLITE_BUSY", "SQLITE_BUSY_SNAPSHOT", "SQLITE_LOCKED"}
_TRANSIENT_SQLSTATE = {"40P01", "40001", "55P03"}


class RetryTransaction(Exception):
    """Raised inside :meth:`Database.write` work: a concurrent writer changed what the work
    read (e.g. created a row it meant to create); run it again from the start."""


class StoreBusy(Exception):
    """The database stayed busy through every try. Nothing was written; try again later."""

    retry_after_seconds = 1


def is_transient(exc: DBAPIError) -> bool:
    orig = exc.orig
    return (
        getattr(orig, "sqlite_errorname", None) in _TRANSIENT_SQLITE
        or getattr(orig, "sqlstate", None) in _TRANSIENT_SQLSTATE
    )


def _sqlite_pragmas(dbapi_connection: Any, lock_wait_seconds: float) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the web role read while the sync pass writes; busy_timeout waits out writers.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={int(lock_wait_seconds * 1000)}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class Database:
    """Owns the engine; ``session()`` is a unit of work that commits on success."""

    def __init__(self, url: str, **engine_kwargs: Any):
        self.url = url
        self.engine: AsyncEngine = create_async_engine(url, **engine_kwargs)
        # How long a statement waits for a lock another connection holds: SQLite's busy
        # timeout (set as connections open), PostgreSQL's lock_timeout in :meth:`write`.
        self.lock_wait_seconds = 10.0
        if self.is_sqlite:
            event.listen(
                self.engine.sync_engine,
                "connect",
                lambda dbapi_connection, _: _sqlite_pragmas(
                    dbapi_connection, self.lock_wait_seconds
                ),
            )
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer at a time: this process's writers queue here, in order,
        # instead of each holding a connection in SQLite's busy loop.
        self._write_lock = asyncio.Lock() if self.is_sqlite else None

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session, session.begin():
            yield session

    async def ping(self) -> None:
        """Raise unless the database answers a trivial query."""
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def write(self, work: Callable[[AsyncSession], Awaitable[T]], *, attempts: int = 3) -> T:
        """Run ``work`` in one write transaction and commit. A transient failure (locked,
        deadlock, serialization, :class:`RetryTransaction`) rolls back and runs it again from
        the start; after ``attempts`` it raises :class:`StoreBusy`."""
        for attempt in range(1, attempts + 1):
            try:
                async with self._writer() as session:
                    return await work(session)
            except RetryTransaction as exc:
                reason = str(exc) or "a concurrent writer"
            except DBAPIError as exc:
                if not is_transient(exc):
                    raise
                reason = str(exc.orig)
            log.info("write retried", extra={"attempt": attempt, "reason": reason})
            if attempt < attempts:
                await asyncio.sleep(random.uniform(0.01, 0.05) * 2**attempt)
        raise StoreBusy(reason)

    @asynccontextmanager
    async def _writer(self) -> AsyncIterator[AsyncSession]:
        if self._write_lock is None:
            async with self.session() as session:
                # A lock held elsewhere fails this try after the wait, instead of hanging.
                wait_ms = int(self.lock_wait_seconds * 1000)
                await session.execute(text(f"SET LOCAL lock_timeout = {wait_ms}"))
                yield session
            return
        async with self._write_lock, self.session() as session:
            # Take SQLite's write lock first: a transaction that read first and writes later
            # gets "database is locked" at once, without waiting, if another writer came in.
            await session.execute(text("BEGIN IMMEDIATE"))
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()


def libpq_url(sqlalchemy_url: str) -> str:
    """``postgresql+psycopg://...`` as the plain libpq URL procrastinate's pool takes."""
    return make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(False)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade_to_head(url: str) -> None:
    """Apply migrations. Alembic's env runs its own event loop, so it gets a thread."""
    await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
