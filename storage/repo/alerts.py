"""The alert scan's queries: candidate campaigns, their followers' preferences, the watermark."""

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Campaign, Follow, JobState, User

# Bound parameters per IN list: far below SQLite's and asyncpg's limits.
CHUNK = 1000

CAMPAIGN_COLUMNS = (
    Campaign.id,
    Campaign.title,
    Campaign.goal_cents,
    Campaign.raised_cents,
    Campaign.backers,
    Campaign.starts_at,
    Campaign.ends_at,
)

# What deciding one follower's row needs: toggles, blocked, quiet hours and digest (deliver_at).
FOLLOWER_COLUMNS = (
    Follow.campaign_id,
    Follow.created_at.label("followed_at"),
    User.id.label("user_id"),
    User.blocked_at,
    User.notify_deadlines,
    User.notify_milestones,
    User.notify_launches,
    User.quiet_hours,
    User.quiet_start,
    User.quiet_end,
    User.digest_hour,
)


async def candidates(
    session: AsyncSession,
    *,
    ending: Iterable[tuple[datetime, datetime]],
    starting: tuple[datetime, datetime],
) -> Sequence[Any]:
    """Campaigns ending within any of the `ending` ranges or starting within `starting`."""
    conditions = [Campaign.ends_at.between(low, high) for low, high in ending]
    conditions.append(Campaign.starts_at.between(*starting))
    result = await session.execute(select(*CAMPAIGN_COLUMNS).where(or_(*conditions)))
    return result.all()


async def followers(session: AsyncSession, campaign_ids: Sequence[int]) -> list[Any]:
    """One row per (follower, campaign) of these campaigns, with the follower's preferences."""
    rows: list[Any] = []
    for start in range(0, len(campaign_ids), CHUNK):
        chunk = campaign_ids[start : start + CHUNK]
        result = await session.execute(
            select(*FOLLOWER_COLUMNS)
            .join(User, User.id == Follow.user_id)
            .where(Follow.campaign_id.in_(chunk))
        )
        rows.extend(result.all())
    return rows


async def watermark(session: AsyncSession, name: str) -> datetime | None:
    state = await session.get(JobState, name)
    return None if state is None else state.at


async def set_watermark(session: AsyncSession, name: str, at: datetime) -> None:
    state = await session.get(JobState, name)
    if state is None:
        session.add(JobState(name=name, at=at))
    else:
        state.at = at
    await session.flush()
