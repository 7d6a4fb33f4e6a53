"""Engine, sessions and migrations."""

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import event, inspect
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from storage import sqlite_driver

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

# Marks in `session.info`: the session took a connection; the session wrote something; it queued
# notifications (storage.repo.outbox), so the delivery worker may be woken once it commits.
CONNECTED = "connected"
WROTE = "wrote"
QUEUED = "queued"
# The tables whose existing rows the session changed other than through its objects (an UPDATE
# or DELETE statement) or deleted objects of: copies of such rows kept elsewhere may be stale.
# Rows changed through the session's objects are what those objects now hold.
CHANGED_BEHIND = "changed_behind"
UNTOLD = "?"  # in CHANGED_BEHIND: a statement whose table is not told


@event.listens_for(Session, "after_begin")
def _note_connection(session: Session, _transaction: SessionTransaction, _conn: Any) -> None:
    session.info[CONNECTED] = True


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _context: Any) -> None:
    session.info[WROTE] = True
    if session.deleted:
        tables = session.info.setdefault(CHANGED_BEHIND, set())
        tables.update(inspect(row).mapper.local_table.name for row in session.deleted)


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[WROTE] = True
    if state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        name = getattr(table, "name", UNTOLD)
        state.session.info.setdefault(CHANGED_BEHIND, set()).add(name)


def changed_behind(session: Session | AsyncSession, table: str) -> bool:
    """The session changed rows of `table` other than through its objects (or may have: a
    statement whose table is not told counts for every table)."""
    changed = session.info.get(CHANGED_BEHIND, ())
    return table in changed or UNTOLD in changed


BUSY_TIMEOUT = 5.0  # seconds a SQLite write waits for its turn, then for the file's lock


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={round(BUSY_TIMEOUT * 1000)}")
    cursor.close()


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # The arguments SQLAlchemy would give aiosqlite, given to the fewer-hops connection.
        args, options = SQLiteDialect_aiosqlite().create_connect_args(parsed)
        turns = sqlite_driver.WriteTurns(timeout=BUSY_TIMEOUT)
        connect = partial(sqlite_driver.connect, *args, turns=turns, **options)
        engine = create_async_engine(url, async_creator=connect, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations synchronously (env.py runs its own event loop, in a thread if needed)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        command.upgrade(alembic_config(url), revision)
        return
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(command.upgrade, alembic_config(url), revision).result()


async def migrate(engine: AsyncEngine) -> None:
    """Apply migrations on an engine's connection from inside a running event loop."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade_on_connection)


def _upgrade_on_connection(connection: Any) -> None:
    config = alembic_config(connection.engine.url.render_as_string(hide_password=False))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


T = TypeVar("T")


async def in_migrated_session(url: str, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """For command-line tools: run `work` in one session on the migrated database, commit if it
    returns, and close the engine."""
    engine = create_engine(url)
    try:
        await migrate(engine)
        async with create_sessionmaker(engine)() as session:
            result = await work(session)
            await session.commit()
            return result
    finally:
        await engine.dispose()
