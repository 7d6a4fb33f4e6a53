"""The outbox: queue notifications (deduplicated), claim them for sending, record the results.

Functions here never commit: the caller (a handler's middleware, a job, the delivery worker) owns
the transaction. Queueing is an INSERT ... ON CONFLICT (dedup_key) DO NOTHING, so the same alert
can never be queued twice, whatever races there are.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Outbox, OutboxStatus, User, utcnow

CHUNK = 5000
FINAL = (
    OutboxStatus.SENT,
    OutboxStatus.BLOCKED,
    OutboxStatus.FAILED,
    OutboxStatus.MISSED,
    OutboxStatus.SKIPPED,
)


def _insert(session: AsyncSession) -> Any:
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    return pg_insert if dialect == "postgresql" else sqlite_insert


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


async def enqueue_many(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Queue many notifications (dicts with enqueue's keywords); returns how many were new."""
    insert = _insert(session)
    now = utcnow()
    inserted = 0
    for start in range(0, len(rows), CHUNK):
        chunk = [_complete(row, now) for row in rows[start : start + CHUNK]]
        statement = (
            insert(Outbox)
            .on_conflict_do_nothing(index_elements=[Outbox.dedup_key])
            .returning(Outbox.id)
        )
        result = await session.execute(statement, chunk)
        inserted += len(result.all())
    return inserted


def _complete(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    # executemany needs the same keys in every row.
    return {
        "campaign_id": None,
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "created_at": now,
        **row,
    }


# --- the worker's side ---------------------------------------------------------------------------


async def reset_sending(session: AsyncSession) -> int:
    """Rows a dead worker left in `sending` go back to pending (the only source of duplicates)."""
    result = await session.execute(
        update(Outbox)
        .where(Outbox.status == OutboxStatus.SENDING)
        .values(status=OutboxStatus.PENDING.value, claimed_at=None)
    )
    return result.rowcount or 0


async def claim_due(session: AsyncSession, now: datetime, limit: int) -> list[Outbox]:
    """Mark `sending` every due row of the users behind the `limit` oldest due rows.

    A user's rows are all claimed together so that they go out as one message.
    """
    due = (Outbox.status == OutboxStatus.PENDING) & (Outbox.not_before <= now)
    oldest = await session.execute(
        select(Outbox.user_id).where(due).order_by(Outbox.not_before, Outbox.id).limit(limit)
    )
    user_ids = list(dict.fromkeys(oldest.scalars()))
    if not user_ids:
        return []
    ids = await session.scalars(
        update(Outbox)
        .where(due, Outbox.user_id.in_(user_ids))
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
    return result.rowcount or 0


async def next_due(session: AsyncSession) -> datetime | None:
    """When the earliest pending row becomes due (None when nothing is pending)."""
    return await session.scalar(
        select(func.min(Outbox.not_before)).where(Outbox.status == OutboxStatus.PENDING)
    )


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
