"""Reads of single rows by key from the embedded SQLite database, on the event loop itself.

SQLite finds a row by its key in about 10 µs. Through the async engine the same read costs the
event loop 400 to 600 µs: a pooled connection, SQLAlchemy's execution, a hop to aiosqlite's
thread and back. This reader runs the statement SQLAlchemy compiles, on its own connection,
and converts the values with the columns' own types, so what it returns is what the ORM would
load. It never waits: in WAL mode a reader is not blocked by a writer, and should the database
be locked anyway (a checkpoint, another program), it says so and the caller takes the async way.

Only for SQLite files; PostgreSQL goes through the async engine.
"""

import logging
import sqlite3
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, bindparam, select
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)


class Unavailable(Exception):
    """The database could not be read at once; read it the usual way."""


class RowReader:
    """SELECT columns WHERE key = ?, returning the columns' Python values (or None)."""

    def __init__(
        self,
        connection: sqlite3.Connection,
        dialect: Dialect,
        columns: Sequence[ColumnElement[Any]],
    ):
        key = columns[0].table.primary_key.columns.values()[0]
        statement = select(*columns).where(key == bindparam("key"))
        self._sql = str(statement.compile(dialect=dialect))
        self._connection = connection
        processors = [
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
        ]
        self._convert: list[Any] = processors

    def close(self) -> None:
        self._connection.close()

    def __call__(self, key: object) -> tuple[Any, ...] | None:
        try:
            row = self._connection.execute(self._sql, (key,)).fetchone()
        except sqlite3.OperationalError as error:  # "database is locked" and the like
            log.debug("sqlite point read unavailable: %s", error)
            raise Unavailable from error
        if row is None:
            return None
        return tuple(
            value if convert is None or value is None else convert(value)
            for convert, value in zip(self._convert, row, strict=True)
        )


def open_reader(engine: AsyncEngine) -> sqlite3.Connection | None:
    """A read-only connection to the engine's SQLite file, or None for another database (or an
    in-memory one, which another connection would not see)."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    connection = sqlite3.connect(url.database, check_same_thread=False, isolation_level=None)
    connection.execute("PRAGMA query_only = ON")
    connection.execute("PRAGMA busy_timeout = 0")
    return connection
