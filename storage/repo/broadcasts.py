"""Broadcasts (holders' news): who receives one, and how its delivery is going."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Broadcast, Campaign, Follow, Operation, Outbox, OutboxStatus, User
from storage.repo.writes import updated

# What queueing one follower's row needs: quiet hours and digest (bot.domain.quiet_hours).
RECIPIENT_COLUMNS = (
    User.id.label("user_id"),
    User.quiet_hours,
    User.quiet_start,
    User.quiet_end,
    User.digest_hour,
)


async def news_recipients(session: AsyncSession, campaign_id: int) -> Sequence[Any]:
    """The campaign's followers who want holders' news and have not blocked the bot."""
    result = await session.execute(
        select(*RECIPIENT_COLUMNS)
        .join(Follow, Follow.user_id == User.id)
        .where(
            Follow.campaign_id == campaign_id,
            User.notify_news.is_(True),
            User.blocked_at.is_(None),
        )
    )
    return result.all()


async def queued(session: AsyncSession, broadcast_id: int) -> int:
    """How many outbox rows carry this broadcast."""
    count = await session.scalar(
        select(func.count()).select_from(Outbox).where(Outbox.broadcast_id == broadcast_id)
    )
    return int(count or 0)


async def open_reports(session: AsyncSession) -> Sequence[Any]:
    """Queued broadcasts whose sender's report does not show its final counts yet, with the name
    they go out under (their campaign's title, their operation's name) and their author's
    language."""
    result = await session.execute(
        select(
            Broadcast.id,
            Broadcast.report_chat_id,
            Broadcast.report_message_id,
            func.coalesce(Campaign.title, Operation.name, "").label("title"),
            User.locale,
            User.language_code,
        )
        .outerjoin(Campaign, Campaign.id == Broadcast.campaign_id)
        .outerjoin(Operation, Operation.id == Broadcast.operation_id)
        .outerjoin(User, User.id == Broadcast.author_id)
        .where(
            Broadcast.report_chat_id.is_not(None),
            Broadcast.queued_at.is_not(None),
            Broadcast.report_done_at.is_(None),
        )
        .order_by(Broadcast.id)
    )
    return result.all()


async def outcomes(
    session: AsyncSession, broadcast_ids: Sequence[int], now: datetime
) -> dict[int, dict[str, int]]:
    """Per broadcast: its rows by status, and under "later" the pending ones not due yet."""
    if not broadcast_ids:
        return {}
    later = func.sum(case((Outbox.not_before > now, 1), else_=0))
    rows = await session.execute(
        select(Outbox.broadcast_id, Outbox.status, func.count(), later)
        .where(Outbox.broadcast_id.in_(list(broadcast_ids)))
        .group_by(Outbox.broadcast_id, Outbox.status)
    )
    counts: dict[int, dict[str, int]] = {i: {} for i in broadcast_ids}
    for broadcast_id, status, count, not_due in rows:
        by_status = counts[broadcast_id]
        by_status[status] = int(count)
        if status == OutboxStatus.PENDING:
            by_status["later"] = int(not_due or 0)
    return counts


async def set_report_message(session: AsyncSession, broadcast_id: int, message_id: int) -> bool:
    """Remember the report's message; False if another worker posted one first."""
    result = await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.report_message_id.is_(None))
        .values(report_message_id=message_id)
    )
    return updated(result) == 1


async def forget_report_message(session: AsyncSession, broadcast_id: int, message_id: int) -> None:
    """The report's message cannot be edited any more (deleted): the next report posts anew."""
    await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.report_message_id == message_id)
        .values(report_message_id=None)
    )


async def report_done(session: AsyncSession, broadcast_id: int, now: datetime) -> None:
    """The report shows its final counts (or cannot be shown): no more edits."""
    await session.execute(
        update(Broadcast).where(Broadcast.id == broadcast_id).values(report_done_at=now)
    )
