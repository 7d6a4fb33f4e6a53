"""The outbox: queue notifications (deduplicated), claim them for sending, record the results.

Functions here never commit: the caller (a handler's middleware, a job, the delivery worker) owns
the transaction. Queueing is an INSERT ... ON CONFLICT (dedup_key) DO NOTHING, so the same alert
can never be queued twice, whatever races there are.
"""

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import QUEUED
from storage.models import Outbox, OutboxStatus, Priority, utcnow

CHUNK = 5000  # rows per executemany on SQLite
FINAL = (
    OutboxStatus.SENT,
    OutboxStatus.BLOCKED,
    OutboxStatus.FAILED,
    OutboxStatus.MISSED,
    OutboxStatus.SKIPPED,
)
# What enqueue_many writes, and the value when a row leaves the key out (None: required).
COLUMNS: dict[str, Any] = {
    "user_id": None,
    "kind": None,
    "campaign_id": None,
    "dedup_key": None,
    "content": None,
    "status": OutboxStatus.PENDING.value,
    "attempts": 0,
    "due_at": None,
    "not_before": None,
    "created_at": None,  # now
    "finished_at": None,
    "last_error": None,
    "priority": Priority.URGENT,
    "broadcast_id": None,
}
TIMES = ("due_at", "not_before", "created_at", "finished_at")
NAMES = ", ".join(COLUMNS)
# Both statements bypass SQLAlchemy's per-value bind processing (half of the time at 15,000 rows):
# enqueue_many converts times and content itself, once per distinct object.
SQLITE_INSERT = (
    f"INSERT INTO outbox ({NAMES}) VALUES ({', '.join('?' * len(COLUMNS))}) "
    "ON CONFLICT (dedup_key) DO NOTHING"
)
# PostgreSQL: all the rows in one statement, one array per column.
PG_INSERT = text(
    f"""
    INSERT INTO outbox ({NAMES})
    SELECT user_id, kind, campaign_id, dedup_key, content::json, status, attempts,
           due_at AT TIME ZONE 'UTC', not_before AT TIME ZONE 'UTC',
           created_at AT TIME ZONE 'UTC', finished_at AT TIME ZONE 'UTC', last_error,
           priority, broadcast_id
    FROM unnest(
        CAST(:user_id AS BIGINT[]), CAST(:kind AS VARCHAR[]), CAST(:campaign_id AS INTEGER[]),
        CAST(:dedup_key AS VARCHAR[]), CAST(:content AS TEXT[]), CAST(:status AS VARCHAR[]),
        CAST(:attempts AS INTEGER[]), CAST(:due_at AS TIMESTAMPTZ[]),
        CAST(:not_before AS TIMESTAMPTZ[]), CAST(:created_at AS TIMESTAMPTZ[]),
        CAST(:finished_at AS TIMESTAMPTZ[]), CAST(:last_error AS VARCHAR[]),
        CAST(:priority AS INTEGER[]), CAST(:broadcast_id AS INTEGER[])
    ) AS new ({NAMES})
    ON CONFLICT (dedup_key) DO NOTHING
    """
)


async def enqueue(
    session: AsyncSession,
    *,
    user_id: int,
    kind: str,
    dedup_key: str,
    content: dict[str, Any],
    due_at: datetime,
    not_before: datetime,
    campaign_id: int | None = None,
    status: str = OutboxStatus.PENDING.value,
    priority: int = Priority.URGENT,
    broadcast_id: int | None = None,
) -> bool:
    """Queue one notification; False if one with this dedup_key was already queued."""
    row = {
        "user_id": user_id,
        "kind": kind,
        "dedup_key": dedup_key,
        "content": content,
        "due_at": due_at,
        "not_before": not_before,
        "campaign_id": campaign_id,
        "status": status,
        "priority": priority,
        "broadcast_id": broadcast_id,
    }
    return await enqueue_many(session, [row]) == 1


async def enqueue_many(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> int:
    """Queue many notifications (dicts with COLUMNS' keys); returns how many were new.

    Runs on the session's connection, not through the ORM's bulk path (a third slower); the
    session is flushed first, as session.execute would (the rows may refer to new users).
    """
    if not rows:
        return 0
    session.info[QUEUED] = True
    await session.flush()
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        result = await connection.execute(PG_INSERT, _columns(rows, _aware))
        return result.rowcount
    values = list(zip(*_columns(rows, _sqlite_time).values(), strict=True))
    inserted = 0
    for start in range(0, len(values), CHUNK):
        result = await connection.exec_driver_sql(SQLITE_INSERT, values[start : start + CHUNK])
        inserted += result.rowcount
    return inserted


def _columns(rows: Sequence[dict[str, Any]], stamp: Callable[[datetime], Any]) -> dict[str, list]:
    """One list per column, defaults filled in, times through `stamp`, content as JSON text."""
    defaults = COLUMNS | {"created_at": utcnow()}
    columns = {name: [row.get(name, value) for row in rows] for name, value in defaults.items()}
    for name in TIMES:
        columns[name] = _shared(stamp, columns[name])
    columns["content"] = _shared(json.dumps, columns["content"])
    return columns


def _shared(convert: Callable[[Any], Any], values: list[Any]) -> list[Any]:
    """convert() each value once per distinct object: the followers of an alert share them."""
    done: dict[int, Any] = {}
    converted = []
    for value in values:
        key = id(value)  # the objects live in `values` until we return
        if key not in done:
            done[key] = None if value is None else convert(value)
        converted.append(done[key])
    return converted


def _aware(value: datetime) -> datetime:
    # PG_INSERT stores it AT TIME ZONE 'UTC', as models.UTCDateTime does.
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    return value


def _sqlite_time(value: datetime) -> str:
    # The text SQLAlchemy stores for models.UTCDateTime on SQLite: naive UTC, microseconds.
    return _aware(value).astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


async def counts(session: AsyncSession) -> list[tuple[str, str, int]]:
    """(status, kind, count) for the whole outbox."""
    rows = await session.execute(
        select(Outbox.status, Outbox.kind, func.count())
        .group_by(Outbox.status, Outbox.kind)
        .order_by(Outbox.status, Outbox.kind)
    )
    return [(status, kind, count) for status, kind, count in rows]
