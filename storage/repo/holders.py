"""Who holds which campaign: the one check every holder action makes on the campaign it touches."""

from collections.abc import Collection

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Holder


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
