"""What was written or deleted since a reader last looked, whoever wrote it (this bot, an import,
the delivery worker, psql), for the in-memory read models (bot.readmodels.sync).

The database marks every write to campaigns and users itself, in a way that suits each database;
only this module knows which:

- PostgreSQL (migration 0006): a written row's `revision` is the id of the transaction that last
  wrote it, and a statement that deletes rows adds a tombstone to `deletions` with that id. No
  writer updates a row another writer needs, so two users' writes never wait for each other.
- SQLite (migration 0005): one writer at a time, so each table has a counter in `revisions`,
  whose next value every written row takes; deletes bump a second counter.

A reader takes a mark (`watermark`) before it reads, and later asks for the `changes` since that
mark. A write falls before the mark (the reads see it) or after it (the next changes hold it):
a row may be read twice, never missed.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ARRAY, BigInteger, ColumnElement, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Campaign, Deletion, Revision, User
from storage.repo.campaigns import LIST_COLUMNS

# The campaign fields a list shows or filters on, in the order of
# bot.readmodels.campaign_index.CampaignIndex.
INDEX_COLUMNS = (*LIST_COLUMNS, Campaign.category)
TABLES = ("campaigns", "users")

# Every transaction that a snapshot does not see is either in progress in it (xip) or has an id
# at or above its xmax; all the others had finished when it was taken.
PG_SNAPSHOT = text(
    "SELECT pg_snapshot_xmax(s)::text::bigint AS xmax,"
    " ARRAY(SELECT x::text::bigint FROM pg_snapshot_xip(s) AS x) AS running"
    " FROM pg_current_snapshot() AS s"
).columns(xmax=BigInteger(), running=ARRAY(BigInteger()))


@dataclass(frozen=True, slots=True)
class PgMark:
    """A PostgreSQL reader has seen every transaction its snapshot saw: all those below `xmax`
    but the ones `running` then."""

    xmax: int
    running: tuple[int, ...]

    def unseen(self, column: Any, _counter: str) -> ColumnElement[bool]:
        if not self.running:
            return column >= self.xmax
        return or_(column >= self.xmax, column.in_(self.running))


@dataclass(frozen=True, slots=True)
class SqliteMark:
    """A SQLite reader has seen every revision up to each counter's value."""

    counters: dict[str, int]

    def unseen(self, column: Any, counter: str) -> ColumnElement[bool]:
        return column > self.counters[counter]


Mark = PgMark | SqliteMark


@dataclass(frozen=True, slots=True)
class Changes:
    """What happened after a mark: the tables with deleted rows, the tables that may have
    written rows (campaign_rows and user_ids_written say which), and the mark to pass next."""

    mark: Mark
    deleted: frozenset[str]
    written: frozenset[str]


async def watermark(session: AsyncSession) -> Mark:
    """Where the database stands now; read the rows after this, never before."""
    if session.get_bind().dialect.name == "postgresql":
        row = (await session.execute(PG_SNAPSHOT)).one()
        return PgMark(row.xmax, tuple(row.running))
    return SqliteMark(await counters(session))


async def changes(session: AsyncSession, since: Mark) -> Changes:
    """What was deleted or may have been written after `since`; its `mark` is taken first."""
    mark = await watermark(session)
    if isinstance(since, SqliteMark) and isinstance(mark, SqliteMark):
        moved = {name for name, value in mark.counters.items() if value != since.counters[name]}
        deleted = {table for table in TABLES if f"{table}_deleted" in moved}
        return Changes(mark, frozenset(deleted), frozenset(moved.intersection(TABLES)))
    return Changes(mark, await _tombstones(session, since), frozenset(TABLES))


async def _tombstones(session: AsyncSession, since: Mark) -> frozenset[str]:
    query = select(Deletion.name).distinct().where(since.unseen(Deletion.xid, "deletions"))
    return frozenset((await session.scalars(query)).all())


async def counters(session: AsyncSession) -> dict[str, int]:
    """SQLite's counters (empty on PostgreSQL since migration 0006)."""
    rows = await session.execute(select(Revision.name, Revision.value))
    return {name: value for name, value in rows}


async def campaign_rows(
    session: AsyncSession, since: Mark | None = None, chunk: int = 2_000
) -> AsyncIterator[Any]:
    """The list fields of every campaign, or of those written after `since`.

    Read by pages of ids: 50,000 rows at once (a first load, a large import) would briefly take
    several times the memory that the index keeps."""
    written = [] if since is None else [since.unseen(Campaign.revision, "campaigns")]
    last_id = 0
    while True:
        query = select(*INDEX_COLUMNS).where(Campaign.id > last_id, *written)
        rows = (await session.execute(query.order_by(Campaign.id).limit(chunk))).all()
        for row in rows:
            yield row
        if len(rows) < chunk:
            return
        last_id = rows[-1].id


async def campaign_ids(session: AsyncSession) -> set[int]:
    return set((await session.scalars(select(Campaign.id))).all())


async def user_ids_written(session: AsyncSession, since: Mark) -> list[int]:
    query = select(User.id).where(since.unseen(User.revision, "users"))
    return list((await session.scalars(query)).all())
