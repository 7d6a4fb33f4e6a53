"""Retention's queries: residents inactive for too long, and notifications kept too long."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Outbox, User
from storage.repo.outbox import FINAL
from storage.repo.writes import updated


async def to_warn(session: AsyncSession, seen_before: datetime) -> Sequence[User]:
    """Residents not seen since `seen_before`, not warned yet, who have not blocked the bot."""
    query = select(User).where(
        User.last_seen_at < seen_before,
        User.retention_warned_at.is_(None),
        User.blocked_at.is_(None),
    )
    return (await session.scalars(query)).all()


async def mark_warned(session: AsyncSession, user_ids: Sequence[int], now: datetime) -> None:
    if user_ids:
        await session.execute(
            update(User).where(User.id.in_(user_ids)).values(retention_warned_at=now)
        )


async def to_erase(
    session: AsyncSession, seen_before: datetime, warned_before: datetime
) -> list[int]:
    """Residents not seen since `seen_before` and warned before `warned_before` (or who blocked
    the bot, so could not be warned)."""
    query = select(User.id).where(
        User.last_seen_at < seen_before,
        (User.retention_warned_at < warned_before) | User.blocked_at.is_not(None),
    )
    return list((await session.scalars(query)).all())


async def purge_notifications(session: AsyncSession, finished_before: datetime) -> int:
    """Notifications done with (sent, blocked, failed, missed, skipped) before then."""
    result = await session.execute(
        delete(Outbox).where(
            Outbox.status.in_([status.value for status in FINAL]),
            Outbox.finished_at < finished_before,
        )
    )
    return updated(result)
