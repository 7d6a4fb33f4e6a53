"""aiosqlite, one thread hop per statement.

aiosqlite runs each sqlite3 call on the connection's own thread and wakes the event loop for its
result. SQLAlchemy's adapter makes four such calls per statement (cursor, execute, fetchall,
close) and one more for each COMMIT and ROLLBACK, even when there is no transaction to end; the
wake-ups cost more than the queries. This connection runs a statement and fetches its rows in
one call, and ends a transaction only when one is open. Everything else is aiosqlite's.

SQLAlchemy uses it through `create_async_engine(..., async_creator=...)` (storage.db).
"""

import sqlite3
from collections import deque
from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any

import aiosqlite

Row = Any


def _execute(
    connection: sqlite3.Connection, sql: str, parameters: Any
) -> tuple[sqlite3.Cursor, list[Row] | None]:
    """On the connection's thread: run the statement and fetch its rows, if it has any."""
    cursor = connection.cursor()
    cursor.execute(sql, parameters)
    return cursor, (cursor.fetchall() if cursor.description is not None else None)


def _executemany(
    connection: sqlite3.Connection, sql: str, rows: Iterable[Sequence[Any]]
) -> sqlite3.Cursor:
    cursor = connection.cursor()
    cursor.executemany(sql, rows)
    return cursor


class Cursor:
    """The part of aiosqlite's cursor that SQLAlchemy uses, with the rows fetched at execute."""

    arraysize = 1

    def __init__(self, connection: "Connection") -> None:
        self._connection = connection
        self._cursor: sqlite3.Cursor | None = None
        self._rows: deque[Row] = deque()

    async def __aenter__(self) -> "Cursor":
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def execute(self, sql: str, parameters: Any = ()) -> "Cursor":
        self._cursor, rows = await self._connection.run(
            _execute, sql, () if parameters is None else parameters
        )
        self._rows = deque(rows or ())
        return self

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> "Cursor":
        self._cursor = await self._connection.run(_executemany, sql, rows)
        self._rows = deque()
        return self

    async def fetchone(self) -> Row | None:
        return self._rows.popleft() if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Row]:
        count = min(size or self.arraysize, len(self._rows))
        return [self._rows.popleft() for _ in range(count)]

    async def fetchall(self) -> list[Row]:
        rows = list(self._rows)
        self._rows.clear()
        return rows

    async def close(self) -> None:
        # The statement has run to its end (its rows were all fetched): nothing is held, and
        # rowcount and lastrowid stay readable, as on a closed sqlite3 cursor.
        self._rows.clear()

    @property
    def description(self) -> Any:
        return self._cursor.description if self._cursor is not None else None

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount if self._cursor is not None else -1

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid if self._cursor is not None else None


class Connection(aiosqlite.Connection):
    async def run(self, function: Any, *args: Any) -> Any:
        """Run function(sqlite3 connection, *args) on the connection's thread."""
        return await self._execute(function, self._conn, *args)

    def cursor(self) -> Cursor:  # type: ignore[override]
        return Cursor(self)

    async def commit(self) -> None:
        if self._conn.in_transaction:
            await super().commit()

    async def rollback(self) -> None:
        if self._conn.in_transaction:
            await super().rollback()


async def connect(database: str, **kwargs: Any) -> Connection:
    connection = Connection(partial(sqlite3.connect, database, **kwargs), iter_chunk_size=64)
    connection._thread.daemon = True  # as SQLAlchemy does for aiosqlite's own
    return await connection
