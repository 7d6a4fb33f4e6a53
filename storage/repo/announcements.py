"""Coordinators' announcements (broadcasts of kind "announcement"): written, listed, edited or
cancelled while they wait, and claimed for queueing exactly once.

Every change to a waiting announcement is one guarded UPDATE (`queued_at IS NULL AND
cancelled_at IS NULL`): whoever comes second (a coordinator's late edit, a second scheduler
process) changes nothing and is told so by the row count. On PostgreSQL the second UPDATE waits
for the first one's commit, then finds the row no longer waiting.
"""

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Broadcast, Campaign, Operation
from storage.repo.writes import insert_or_ignore

KIND = "announcement"
REMINDER = "reminder"
# Reminders fall at most 8 days before the call closes and within the launch day (bot.domain.
# reminders): operations farther from both are not read.
REMINDER_REACH = timedelta(days=9)
# A waiting announcement: neither queued nor cancelled.
WAITING = (Broadcast.queued_at.is_(None), Broadcast.cancelled_at.is_(None))


async def create(session: AsyncSession, **fields: Any) -> Broadcast:
    """A new announcement (Broadcast columns as keywords); flushed, so it has its id."""
    announcement = Broadcast(kind=KIND, **fields)
    session.add(announcement)
    await session.flush()
    return announcement


async def get(session: AsyncSession, broadcast_id: int) -> Broadcast | None:
    """The announcement with this id (None for another kind of broadcast)."""
    found = await session.get(Broadcast, broadcast_id, populate_existing=True)
    return found if found is not None and found.kind == KIND else None


async def waiting(session: AsyncSession, operation_id: int) -> list[Broadcast]:
    """The operation's announcements scheduled and not gone out yet, soonest first."""
    rows = await session.scalars(
        select(Broadcast)
        .where(Broadcast.kind == KIND, Broadcast.operation_id == operation_id, *WAITING)
        .order_by(Broadcast.send_at, Broadcast.id)
    )
    return list(rows)


async def recent(session: AsyncSession, operation_id: int, limit: int = 5) -> list[Broadcast]:
    """The operation's broadcasts that went out (announcements and reminders), latest first."""
    rows = await session.scalars(
        select(Broadcast)
        .where(Broadcast.operation_id == operation_id, Broadcast.queued_at.is_not(None))
        .order_by(Broadcast.queued_at.desc(), Broadcast.id.desc())
        .limit(limit)
    )
    return list(rows)


async def change(session: AsyncSession, broadcast_id: int, values: Mapping[str, Any]) -> bool:
    """Change a waiting announcement; False when it went out or was cancelled meanwhile."""
    result = await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.kind == KIND, *WAITING)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return _one(result)


async def cancel(session: AsyncSession, broadcast_id: int, now: datetime) -> bool:
    """Cancel a waiting announcement; False when it went out (or was cancelled) meanwhile."""
    return await change(session, broadcast_id, {"cancelled_at": now})


async def claim(session: AsyncSession, broadcast_id: int, now: datetime) -> bool:
    """Mark a waiting announcement queued; True for the one caller that did it. Its outbox rows
    are written in the same transaction (bot.delivery.announcements)."""
    return await change(session, broadcast_id, {"queued_at": now})


async def due(session: AsyncSession, now: datetime) -> Sequence[int]:
    """The ids of the waiting announcements whose time has come, oldest first."""
    rows = await session.scalars(
        select(Broadcast.id)
        .where(Broadcast.kind == KIND, Broadcast.send_at <= now, *WAITING)
        .order_by(Broadcast.send_at, Broadcast.id)
    )
    return list(rows)


async def with_reminders(session: AsyncSession, now: datetime) -> list[Operation]:
    """The operations whose call closes or whose campaigns launch around now, with a reminder
    on."""
    low, high = now - REMINDER_REACH, now + REMINDER_REACH
    rows = await session.scalars(
        select(Operation).where(
            or_(
                Operation.call_closes_at.between(low, high), Operation.launch_at.between(low, high)
            ),
            or_(
                Operation.remind_call_7d.is_(True),
                Operation.remind_call_1d.is_(True),
                Operation.remind_launch.is_(True),
            ),
        )
    )
    return list(rows)


async def start_reminder(
    session: AsyncSession, operation_id: int, key: str, due_at: datetime, now: datetime
) -> Broadcast | None:
    """The reminder's broadcast, written once ever (its dedup key); None when it exists already
    (sent before, or by another process right now: on PostgreSQL this waits for its commit)."""
    added = await insert_or_ignore(
        session, Broadcast, [Broadcast.dedup_key],
        kind=REMINDER, operation_id=operation_id, dedup_key=key, text="",
        created_at=now, send_at=due_at, queued_at=now, recipients=0,
    )  # fmt: skip
    if not added:
        return None
    return await session.scalar(select(Broadcast).where(Broadcast.dedup_key == key))


async def sent_reminders(session: AsyncSession, keys: Collection[str]) -> dict[str, Broadcast]:
    """The reminders among these dedup keys that went out, by key."""
    if not keys:
        return {}
    rows = await session.scalars(select(Broadcast).where(Broadcast.dedup_key.in_(list(keys))))
    return {row.dedup_key: row for row in rows if row.dedup_key is not None}


async def live_points(
    session: AsyncSession, operation_id: int, now: datetime
) -> list[tuple[float, float]]:
    """(lat, lon) of each of the operation's campaigns that is live or upcoming at `now` (not
    ended, not cancelled): the launch reminder counts those near each reader."""
    rows = await session.execute(
        select(Campaign.lat, Campaign.lon).where(
            Campaign.operation_id == operation_id,
            Campaign.cancelled_at.is_(None),
            Campaign.ends_at > now,
        )
    )
    return [(lat, lon) for lat, lon in rows]


def _one(result: Any) -> bool:
    return int(getattr(result, "rowcount", 0) or 0) == 1
