"""Users: created on first contact, hold the locale and the (rounded) location."""

from datetime import datetime

from sqlalchemy import delete, inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Application,
    Broadcast,
    Campaign,
    Follow,
    Holder,
    Invitation,
    OperationCoordinator,
    Outbox,
    User,
    utcnow,
)
from storage.repo.writes import insert_or_ignore_returning


async def get(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def get_or_create(
    session: AsyncSession,
    user_id: int,
    radius_km: int,
    language_code: str | None = None,
    seen_at: datetime | None = None,
    absent: bool = False,
) -> User:
    """The user, created if new. `absent`: the caller just read that there is no such user
    (storage.sqlite_reads), so a newcomer costs one statement, the INSERT that returns them."""
    if not absent:
        user = await session.get(User, user_id)
        if user is not None:
            return user
    # Two updates of a new user may race: insert-or-ignore returning the row, else read it.
    now = utcnow()
    values = {
        "id": user_id, "language_code": language_code, "radius_km": radius_km,
        "created_at": now, "updated_at": now, "last_seen_at": seen_at,
    }  # fmt: skip
    user = await insert_or_ignore_returning(session, User, [User.id], **values)
    if user is None:
        user = await session.get(User, user_id)
    assert user is not None
    return user


async def delete_user(session: AsyncSession, user_id: int) -> None:
    """Erase the user: their row and what hangs on it (follows, holdings, assignments and
    applications go with the row); the news they posted stays with its campaign, unsigned, and
    the invitations they opened forget who opened them."""
    await session.execute(delete(Outbox).where(Outbox.user_id == user_id))
    await session.execute(delete(Follow).where(Follow.user_id == user_id))
    await session.execute(
        update(Broadcast).where(Broadcast.author_id == user_id).values(author_id=None)
    )
    await session.execute(
        update(Invitation).where(Invitation.used_by == user_id).values(used_by=None)
    )
    await session.execute(delete(User).where(User.id == user_id))


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


# The database's change stamp (read models' bookkeeping), not something about the person.
NOT_EXPORTED = frozenset({"revision"})


def _columns(row: object) -> dict[str, object]:
    """Every column of a mapped row, by name, JSON-ready."""
    mapper = inspect(type(row))
    return {
        attr.key: _plain(getattr(row, attr.key))
        for attr in mapper.column_attrs
        if attr.key not in NOT_EXPORTED
    }


async def export(session: AsyncSession, user_id: int) -> dict[str, object]:
    """Everything stored about a user, every row and column of it, as JSON-ready data: their
    row, their follows (with the campaign's title), the notifications kept for them, their
    applications, the campaigns they hold, the operations they coordinate and what they posted."""
    user = await session.get(User, user_id)
    if user is None:
        return {"user": None, "follows": [], "notifications": []}
    mine = {
        "applications": select(Application).where(Application.applicant_id == user_id),
        "holdings": select(Holder).where(Holder.user_id == user_id),
        "coordinations": select(OperationCoordinator).where(
            OperationCoordinator.user_id == user_id
        ),
        "posts": select(Broadcast).where(Broadcast.author_id == user_id),
    }
    more = {
        name: [_columns(row) for row in await session.scalars(query)]
        for name, query in mine.items()
    }
    follows = await session.execute(
        select(Follow, Campaign.title)
        .join(Campaign, Campaign.id == Follow.campaign_id)
        .where(Follow.user_id == user_id)
        .order_by(Follow.created_at)
    )
    notifications = await session.scalars(
        select(Outbox).where(Outbox.user_id == user_id).order_by(Outbox.id)
    )
    return {
        "user": _columns(user),
        "follows": [_columns(follow) | {"campaign_title": title} for follow, title in follows],
        "notifications": [_columns(row) for row in notifications],
        **more,
    }
