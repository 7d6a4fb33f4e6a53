"""Users: created on first contact, hold the locale and the (rounded) location."""

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Campaign, Follow, Outbox, User, utcnow
from storage.repo.writes import insert_or_ignore


async def get(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def get_or_create(
    session: AsyncSession, user_id: int, radius_km: int, locale: str | None = None
) -> User:
    user = await session.get(User, user_id)
    if user is not None:
        return user
    # Two updates of a new user may race: insert-or-ignore, then read.
    now = utcnow()
    await insert_or_ignore(
        session, User, [User.id],
        id=user_id, locale=locale, radius_km=radius_km, created_at=now, updated_at=now,
    )  # fmt: skip
    user = await session.get(User, user_id)
    assert user is not None
    return user


async def delete_user(session: AsyncSession, user_id: int) -> None:
    await session.execute(delete(Outbox).where(Outbox.user_id == user_id))
    await session.execute(delete(Follow).where(Follow.user_id == user_id))
    await session.execute(delete(User).where(User.id == user_id))


async def followed_ids(session: AsyncSession, user_id: int) -> list[int]:
    rows = await session.scalars(
        select(Follow.campaign_id).where(Follow.user_id == user_id).order_by(Follow.created_at)
    )
    return list(rows)


async def export(session: AsyncSession, user_id: int) -> dict[str, object]:
    """Everything stored about a user, as plain JSON-ready data."""
    user = await session.get(User, user_id)
    if user is None:
        return {"user": None, "follows": []}
    rows = await session.execute(
        select(Follow.campaign_id, Campaign.title, Follow.created_at)
        .join(Campaign, Campaign.id == Follow.campaign_id)
        .where(Follow.user_id == user_id)
        .order_by(Follow.created_at)
    )
    return {
        "user": {
            "telegram_id": user.id,
            "language": user.locale,
            "location_rounded": ({"lat": user.lat, "lon": user.lon} if user.has_location else None),
            "commune_insee": user.commune_insee,
            "radius_km": user.radius_km,
            "last_search": user.last_query,
            "created_at": user.created_at.isoformat(),
            "updated_at": user.updated_at.isoformat(),
        },
        "follows": [
            {"campaign_id": cid, "title": title, "followed_at": at.isoformat()}
            for cid, title, at in rows
        ],
    }
