"""aiosqlite for SQLAlchemy with fewer thread hops, through aiosqlite's public API only.

aiosqlite runs each sqlite3 call on the connection's own thread and wakes the event loop for its
result. SQLAlchemy's adapter makes four such calls per statement (cursor, execute, fetch, close)
and one for each COMMIT and ROLLBACK, even when no transaction is open: under load the
wake-ups cost the event loop more than the queries. This connection runs a statement with
`Connection.execute` and fetches its rows with one `fetchall` (one hop for a write, two for a
read), closes nothing that has run to its end, and ends a transaction only when one is open
(`Connection.in_transaction`). What it buys is measured by bench/webhook.py and bench/updates.py.

SQLAlchemy uses it through `create_async_engine(..., async_creator=...)` (storage.db).
"""

import sqlite3
from collections import deque
from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any

import aiosqlite


class Cursor:
    """The part of a DB-API cursor that SQLAlchemy uses, its rows fetched at execute."""

    arraysize = 1

    def __init__(self, connection: "Connection") -> None:
        self._connection = connection
        self._cursor: aiosqlite.Cursor | None = None
        self._rows: deque[Any] = deque()

    async def __aenter__(self) -> "Cursor":
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def execute(self, sql: str, parameters: Any = ()) -> "Cursor":
        cursor = await self._connection.execute(sql, () if parameters is None else parameters)
        self._cursor = cursor
        self._rows = deque(await cursor.fetchall() if cursor.description is not None else ())
        return self

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> "Cursor":
        self._cursor = await self._connection.executemany(sql, rows)
        self._rows = deque()
        return self

    async def fetchone(self) -> Any:
        return self._rows.popleft() if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        count = min(size or self.arraysize, len(self._rows))
        return [self._rows.popleft() for _ in range(count)]

    async def fetchall(self) -> list[Any]:
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
    def cursor(self) -> Cursor:  # type: ignore[override]
        return Cursor(self)

    async def commit(self) -> None:
        if self.in_transaction:
            await super().commit()

    async def rollback(self) -> None:
        if self.in_transaction:
            await super().rollback()


async def connect(database: str, **kwargs: Any) -> Connection:
    connection = Connection(partial(sqlite3.connect, database, **kwargs), iter_chunk_size=64)
    await connection  # opens it on its thread
    return connection
