"""aiosqlite for SQLAlchemy with fewer thread hops, through aiosqlite's public API only.

aiosqlite runs each sqlite3 call on the connection's own thread and wakes the event loop for its
result. SQLAlchemy's adapter makes four such calls per statement (cursor, execute, fetch, close)
and one for each COMMIT and ROLLBACK, even when no transaction is open: under load the
wake-ups cost the event loop more than the queries. This connection runs a statement with
`Connection.execute` and fetches its rows with one `fetchall` (one hop for a write, two for a
read), closes nothing that has run to its end, and ends a transaction only when one is open
(`Connection.in_transaction`). What it buys is measured by bench/webhook.py and bench/updates.py.

Writers take turns in order (`WriteTurns`). SQLite lets one transaction write at a time, and a
writer that finds the file locked sleeps and tries again (1, 2, 5, ... 100 ms): under load some
writers kept losing and gave up after the busy timeout ("database is locked", 1 to 4 updates of
7,000 in bench/webhook.py), while the file sat unlocked between the sleepers' tries (writes
waited 20 ms at the median, 2 s at the 99th percentile). So the engine's connections queue for
their turn first, in the order they asked, and the next one goes as soon as a transaction ends.
This is the database's own one-writer rule, not an added one: reads never queue, and other
processes still meet the file's lock (the busy timeout).

SQLAlchemy uses it through `create_async_engine(..., async_creator=...)` (storage.db).
"""

import asyncio
import contextlib
import sqlite3
from collections import deque
from collections.abc import AsyncIterator, Iterable, Sequence
from functools import partial
from typing import Any

import aiosqlite

# The statements before which sqlite3 opens a transaction by itself (its legacy transaction
# control): the ones that write.
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class WriteTurns:
    """The engine's connections' turns to write, first come first served (see the module's
    docstring). A connection takes its turn before the statement that opens its transaction
    and gives it back when the transaction ends."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout  # as long as SQLite's busy timeout would have waited
        self._lock = asyncio.Lock()  # fair: waiters are woken in the order they came

    async def take(self) -> None:
        try:
            async with asyncio.timeout(self.timeout):
                await self._lock.acquire()
        except TimeoutError:
            raise sqlite3.OperationalError("database is locked") from None

    def give_back(self) -> None:
        self._lock.release()


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
        async with self._connection.turn(sql):
            cursor = await self._connection.execute(sql, () if parameters is None else parameters)
            self._cursor = cursor
            self._rows = deque(await cursor.fetchall() if cursor.description is not None else ())
        return self

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> "Cursor":
        async with self._connection.turn(sql):
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
    def __init__(self, connector: Any, turns: WriteTurns | None) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._turns = turns
        self._has_turn = False

    def cursor(self) -> Cursor:  # type: ignore[override]
        return Cursor(self)

    @contextlib.asynccontextmanager
    async def turn(self, sql: str) -> AsyncIterator[None]:
        """Around a statement: the turn to write first, if it opens a transaction that writes;
        given back at once if no transaction is open after it (it failed, or wrote nothing)."""
        if (
            self._turns is not None
            and not self._has_turn
            and not self.in_transaction
            and sql.lstrip()[:7].upper().startswith(WRITES)
        ):
            await self._turns.take()
            self._has_turn = True
        try:
            yield
        finally:
            if not self.in_transaction:
                self._give_back()

    def _give_back(self) -> None:
        if self._has_turn and self._turns is not None:
            self._has_turn = False
            self._turns.give_back()

    async def commit(self) -> None:
        try:
            if self.in_transaction:
                await super().commit()
        finally:
            if not self.in_transaction:
                self._give_back()

    async def rollback(self) -> None:
        try:
            if self.in_transaction:
                await super().rollback()
        finally:
            self._give_back()

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            self._give_back()

    def stop(self) -> Any:  # SQLAlchemy's forced close of a connection it gave up on
        try:
            return super().stop()
        finally:
            self._give_back()


async def connect(
    database: str, *args: Any, turns: WriteTurns | None = None, **kwargs: Any
) -> Connection:
    connection = Connection(partial(sqlite3.connect, database, *args, **kwargs), turns)
    await connection  # opens it on its thread
    return connection
