"""The outbox: queue notifications (deduplicated), claim them for sending, record the results.

Functions here never commit: the caller (a handler's middleware, a job, the delivery worker) owns
the transaction. Queueing is an INSERT ... ON CONFLICT (dedup_key) DO NOTHING, so the same alert
can never be queued twice, whatever races there are.
"""

import json
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Campaign, Outbox, OutboxStatus, User, utcnow
from storage.repo.writes import updated

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
           created_at AT TIME ZONE 'UTC', finished_at AT TIME ZONE 'UTC', last_error
    FROM unnest(
        CAST(:user_id AS BIGINT[]), CAST(:kind AS VARCHAR[]), CAST(:campaign_id AS INTEGER[]),
        CAST(:dedup_key AS VARCHAR[]), CAST(:content AS TEXT[]), CAST(:status AS VARCHAR[]),
        CAST(:attempts AS INTEGER[]), CAST(:due_at AS TIMESTAMPTZ[]),
        CAST(:not_before AS TIMESTAMPTZ[]), CAST(:created_at AS TIMESTAMPTZ[]),
        CAST(:finished_at AS TIMESTAMPTZ[]), CAST(:last_error AS VARCHAR[])
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
    }
    return await enqueue_many(session, [row]) == 1


async def enqueue_many(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> int:
    """Queue many notifications (dicts with COLUMNS' keys); returns how many were new.

    Runs on the session's connection, not through the ORM's bulk path (a third slower); the
    session is flushed first, as session.execute would (the rows may refer to new users).
    """
    if not rows:
        return 0
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


# --- the worker's side ---------------------------------------------------------------------------


async def take_back(session: AsyncSession, claimed_before: datetime, keep: Collection[int]) -> int:
    """Rows in `sending` whose claim is older than `claimed_before` go back to pending: their
    worker is gone, since a live one renews its claims (renew). Rows in `keep` (the caller's
    own) stay. A message its dead worker sent but did not record goes out again: the only
    source of duplicates."""
    stale = (Outbox.status == OutboxStatus.SENDING) & (Outbox.claimed_at < claimed_before)
    if keep:
        stale &= Outbox.id.not_in(list(keep))
    result = await session.execute(
        update(Outbox).where(stale).values(status=OutboxStatus.PENDING.value, claimed_at=None)
    )
    return updated(result)


async def renew(session: AsyncSession, ids: Collection[int], now: datetime) -> None:
    """The worker still holds these claims (its lease on them starts again)."""
    if ids:
        await session.execute(
            update(Outbox)
            .where(Outbox.id.in_(list(ids)), Outbox.status == OutboxStatus.SENDING)
            .values(claimed_at=now)
        )


async def claim_due(session: AsyncSession, now: datetime, limit: int) -> list[Outbox]:
    """Mark `sending` every due row of the users behind the `limit` oldest due rows.

    A user's rows are all claimed together so that they go out as one message. Rows another
    transaction holds (a user deleting their data) are left for a later claim: on PostgreSQL,
    waiting for them would hold back every other user of the batch (SQLite has one writer).
    """
    due = (Outbox.status == OutboxStatus.PENDING) & (Outbox.not_before <= now)
    oldest = await session.execute(
        select(Outbox.user_id).where(due).order_by(Outbox.not_before, Outbox.id).limit(limit)
    )
    user_ids = list(dict.fromkeys(oldest.scalars()))
    if not user_ids:
        return []
    free = select(Outbox.id).where(due, Outbox.user_id.in_(user_ids))
    ids = await session.scalars(
        update(Outbox)
        .where(Outbox.id.in_(free.with_for_update(skip_locked=True)))
        .values(status=OutboxStatus.SENDING.value, claimed_at=now)
        .returning(Outbox.id)
    )
    claimed = list(ids)
    rows = await session.scalars(
        select(Outbox)
        .where(Outbox.id.in_(claimed))
        .order_by(Outbox.user_id, Outbox.due_at, Outbox.id)
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def users_by_id(session: AsyncSession, user_ids: Iterable[int]) -> dict[int, User]:
    ids = list(set(user_ids))
    if not ids:
        return {}
    users = await session.scalars(select(User).where(User.id.in_(ids)))
    return {user.id: user for user in users}


async def finish(
    session: AsyncSession,
    ids: Sequence[int],
    status: str,
    now: datetime,
    error: str | None = None,
    tried: bool = False,
) -> None:
    """Record a final status; `tried` counts one more attempt (an API call was made)."""
    if not ids:
        return
    values: dict[str, Any] = {"status": status, "finished_at": now, "last_error": _cut(error)}
    if tried:
        values["attempts"] = Outbox.attempts + 1
    await session.execute(update(Outbox).where(Outbox.id.in_(ids)).values(**values))


async def retry_later(
    session: AsyncSession, ids: Sequence[int], not_before: datetime, error: str
) -> None:
    """Back to pending after a transient failure, with one more attempt counted."""
    if not ids:
        return
    await session.execute(
        update(Outbox)
        .where(Outbox.id.in_(ids))
        .values(
            status=OutboxStatus.PENDING.value,
            not_before=not_before,
            attempts=Outbox.attempts + 1,
            last_error=_cut(error),
            claimed_at=None,
        )
    )


async def release(session: AsyncSession, ids: Sequence[int]) -> None:
    """Claimed rows the worker will not send after all (it is stopping): pending again."""
    if ids:
        await session.execute(
            update(Outbox)
            .where(Outbox.id.in_(ids), Outbox.status == OutboxStatus.SENDING)
            .values(status=OutboxStatus.PENDING.value, claimed_at=None)
        )


async def block_users(session: AsyncSession, user_ids: Sequence[int], now: datetime) -> int:
    """The users blocked the bot: remember it, and close their queued rows without a call."""
    if not user_ids:
        return 0
    await session.execute(update(User).where(User.id.in_(user_ids)).values(blocked_at=now))
    result = await session.execute(
        update(Outbox)
        .where(
            Outbox.user_id.in_(user_ids),
            or_(Outbox.status == OutboxStatus.PENDING, Outbox.status == OutboxStatus.SENDING),
        )
        .values(status=OutboxStatus.BLOCKED.value, finished_at=now, last_error="blocked")
    )
    return updated(result)


async def next_due(session: AsyncSession, lease: timedelta) -> datetime | None:
    """When the earliest pending row becomes due, or the earliest claim of another worker could
    be taken back (its lease ends); None when nothing is pending or in flight."""
    pending = await session.scalar(
        select(func.min(Outbox.not_before)).where(Outbox.status == OutboxStatus.PENDING)
    )
    claimed = await session.scalar(
        select(func.min(Outbox.claimed_at)).where(Outbox.status == OutboxStatus.SENDING)
    )
    times = [t for t in (pending, None if claimed is None else claimed + lease) if t is not None]
    return min(times) if times else None


async def counts(session: AsyncSession) -> list[tuple[str, str, int]]:
    """(status, kind, count) for the whole outbox."""
    rows = await session.execute(
        select(Outbox.status, Outbox.kind, func.count())
        .group_by(Outbox.status, Outbox.kind)
        .order_by(Outbox.status, Outbox.kind)
    )
    return [(status, kind, count) for status, kind, count in rows]


def _cut(error: str | None) -> str | None:
    return None if error is None else error[:300]


async def campaign_figures(
    session: AsyncSession, campaign_ids: Iterable[int]
) -> dict[int, dict[str, int]]:
    """The current raised amount, goal and backers of these campaigns."""
    ids = list(set(campaign_ids))
    if not ids:
        return {}
    rows = await session.execute(
        select(Campaign.id, Campaign.raised_cents, Campaign.goal_cents, Campaign.backers).where(
            Campaign.id.in_(ids)
        )
    )
    return {
        row.id: {
            "raised_cents": row.raised_cents,
            "goal_cents": row.goal_cents,
            "backers": row.backers,
        }
        for row in rows
    }
