"""Who holds which campaign: the one check every holder action makes on the campaign it touches;
becoming and ceasing to be a holder (users.holder kept in step); a campaign's followers as its
holders see them."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, delete, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Campaign, Follow, Holder, User
from storage.repo.writes import insert_or_ignore, updated


async def holds(session: AsyncSession, user_id: int, campaign_id: int) -> bool:
    """The user is one of the campaign's holders."""
    found = await session.scalar(
        select(exists().where(Holder.user_id == user_id, Holder.campaign_id == campaign_id))
    )
    return bool(found)


async def may_manage(
    session: AsyncSession, user_id: int, campaign_id: int, admin_ids: Collection[int]
) -> bool:
    """The user may act as a holder of this campaign: one of its holders, or an admin.

    Callback data is untrusted: every holder action calls this with the campaign id it is about
    to touch, whatever the button said."""
    return user_id in admin_ids or await holds(session, user_id, campaign_id)


async def campaigns_of(session: AsyncSession, user_id: int) -> list[int]:
    """The ids of the campaigns the user holds, oldest holding first."""
    rows = await session.scalars(
        select(Holder.campaign_id).where(Holder.user_id == user_id).order_by(Holder.created_at)
    )
    return list(rows)


async def campaigns_held(session: AsyncSession, user_id: int) -> list[Campaign]:
    """The campaigns the user holds, oldest holding first."""
    rows = await session.scalars(
        select(Campaign)
        .join(Holder, Holder.campaign_id == Campaign.id)
        .where(Holder.user_id == user_id)
        .order_by(Holder.created_at, Campaign.id)
    )
    return list(rows)


async def add(
    session: AsyncSession, user_id: int, campaign_id: int, invited_by: int | None, now: datetime
) -> bool:
    """Make the user a holder of the campaign (users.holder follows); False if they were."""
    added = await insert_or_ignore(
        session, Holder, [Holder.campaign_id, Holder.user_id],
        campaign_id=campaign_id, user_id=user_id, invited_by=invited_by, created_at=now,
    )  # fmt: skip
    await session.execute(
        update(User).where(User.id == user_id, User.holder.is_(False)).values(holder=True)
    )
    return added


async def remove(session: AsyncSession, user_id: int, campaign_id: int) -> bool:
    """The user no longer holds the campaign; users.holder turns False with their last holding.
    False if they did not hold it."""
    result = await session.execute(
        delete(Holder).where(Holder.user_id == user_id, Holder.campaign_id == campaign_id)
    )
    await session.execute(
        update(User)
        .where(
            User.id == user_id, User.holder.is_(True), ~exists().where(Holder.user_id == user_id)
        )
        .values(holder=False)
    )
    return updated(result) > 0


async def holders_of(session: AsyncSession, campaign_id: int) -> list[Holder]:
    """The campaign's holders, oldest first."""
    rows = await session.scalars(
        select(Holder)
        .where(Holder.campaign_id == campaign_id)
        .order_by(Holder.created_at, Holder.user_id)
    )
    return list(rows)


@dataclass(frozen=True, slots=True)
class Audience:
    """A campaign's followers: how many, how many since a time, and by source tag (None: no
    tag), largest first."""

    followers: int
    recent: int
    sources: list[tuple[str | None, int]]


async def audiences(
    session: AsyncSession, campaign_ids: Collection[int], since: datetime
) -> dict[int, Audience]:
    """Followers of each campaign, counted in one grouped query."""
    if not campaign_ids:
        return {}
    recent = func.sum(case((Follow.created_at >= since, 1), else_=0))
    rows = await session.execute(
        select(Follow.campaign_id, Follow.source, func.count(), recent)
        .where(Follow.campaign_id.in_(list(campaign_ids)))
        .group_by(Follow.campaign_id, Follow.source)
    )
    found: dict[int, list[tuple[str | None, int, int]]] = {}
    for campaign_id, source, count, new in rows:
        found.setdefault(campaign_id, []).append((source, int(count), int(new or 0)))
    result = {}
    for campaign_id in campaign_ids:
        groups = found.get(campaign_id, [])
        result[campaign_id] = Audience(
            followers=sum(count for _source, count, _new in groups),
            recent=sum(new for _source, _count, new in groups),
            sources=sorted(
                ((source, count) for source, count, _new in groups),
                key=lambda item: (item[0] is None, -item[1], item[0] or ""),
            ),
        )
    return result


async def source_tags(session: AsyncSession, campaign_id: int, limit: int) -> list[str]:
    """The source tags the campaign's followers came with, the most followed first."""
    rows = await session.scalars(
        select(Follow.source)
        .where(Follow.campaign_id == campaign_id, Follow.source.is_not(None))
        .group_by(Follow.source)
        .order_by(func.count().desc(), Follow.source)
        .limit(limit)
    )
    return [tag for tag in rows if tag]
