"""Broadcasts (holders' news): who receives one, and how its delivery is going."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Follow, Outbox, User

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
