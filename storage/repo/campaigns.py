"""Campaign queries: the nearby list, free-text search, a card, the followed list."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import (
    ColumnElement,
    Float,
    Row,
    Select,
    and_,
    bindparam,
    delete,
    false,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage.geo import KM_PER_DEGREE, cells_around, haversine_km, lon_scale
from storage.models import Campaign, Follow, Outbox, Status, UTCDateTime, utcnow
from storage.repo.writes import insert_or_ignore


@dataclass(frozen=True, slots=True)
class ListItem:
    id: int
    title: str
    commune_insee: str | None
    lat: float
    lon: float
    goal_cents: int
    raised_cents: int
    starts_at: datetime
    ends_at: datetime
    distance_km: float | None


@dataclass(frozen=True, slots=True)
class Page:
    items: list[ListItem]
    has_next: bool


LIST_COLUMNS = (
    Campaign.id,
    Campaign.title,
    Campaign.commune_insee,
    Campaign.lat,
    Campaign.lon,
    Campaign.goal_cents,
    Campaign.raised_cents,
    Campaign.starts_at,
    Campaign.ends_at,
)


def status_clause(statuses: Iterable[Status], now: object) -> ColumnElement[bool]:
    wanted = set(statuses)
    if wanted == set(Status):
        return and_(True)
    if wanted == {Status.LIVE, Status.UPCOMING}:
        return Campaign.ends_at > now
    parts: list[ColumnElement[bool]] = []
    if Status.UPCOMING in wanted:
        parts.append(Campaign.starts_at > now)
    if Status.LIVE in wanted:
        parts.append(and_(Campaign.starts_at <= now, Campaign.ends_at > now))
    if Status.ENDED in wanted:
        parts.append(Campaign.ends_at <= now)
    return or_(*parts) if parts else false()


def _filtered(query: Select, statuses: Iterable[Status], category: str | None, now: datetime):
    query = query.where(status_clause(statuses, now))
    if category:
        query = query.where(Campaign.category == category)
    return query


async def _page(
    session: AsyncSession, query: Select, origin: tuple[float, float] | None, limit: int
) -> Page:
    rows = (await session.execute(query.limit(limit + 1))).all()
    return _items(rows, origin, limit)


def _items(rows: Sequence[Row], origin: tuple[float, float] | None, limit: int) -> Page:
    items = [
        ListItem(
            row.id,
            row.title,
            row.commune_insee,
            row.lat,
            row.lon,
            row.goal_cents,
            row.raised_cents,
            row.starts_at,
            row.ends_at,
            haversine_km(origin[0], origin[1], row.lat, row.lon) if origin else None,
        )
        for row in rows[:limit]
    ]
    return Page(items=items, has_next=len(rows) > limit)


@lru_cache(maxsize=512)
def _cell_names(count: int) -> tuple[str, ...]:
    return tuple(f"cell{index}" for index in range(count))


@lru_cache(maxsize=512)
def _nearby_statement(statuses: frozenset[Status], with_category: bool, cells: int) -> Select:
    """The nearby query, built once per filter shape and number of cells; the values are bound
    at execution (an expanding list would be rendered into the SQL text at each one).

    First the ids of the page, from the covering index of the cells around the point alone;
    then those rows only. The ordering is an equirectangular distance (plain arithmetic, so it
    runs the same on SQLite and PostgreSQL), exact to well under 1 % at these radii.
    """
    lat, lon, scale = (bindparam(name, type_=Float()) for name in ("lat", "lon", "scale"))
    dlat = Campaign.lat - lat
    dlon = (Campaign.lon - lon) * scale
    sq_distance = (dlat * dlat + dlon * dlon).label("sq_distance")
    candidates = select(Campaign.id, sq_distance).where(
        Campaign.cell.in_([bindparam(name) for name in _cell_names(cells)]),
        sq_distance <= bindparam("max_sq"),
        status_clause(statuses, bindparam("now", type_=UTCDateTime())),
    )
    if with_category:
        candidates = candidates.where(Campaign.category == bindparam("category"))
    nearest = (
        candidates.order_by(sq_distance, Campaign.id)
        .offset(bindparam("offset"))
        .limit(bindparam("limit"))
        .subquery()
    )
    return (
        select(*LIST_COLUMNS)
        .join(nearest, nearest.c.id == Campaign.id)
        .order_by(nearest.c.sq_distance, Campaign.id)
    )


async def nearby(
    session: AsyncSession,
    *,
    lat: float,
    lon: float,
    radius_km: float,
    now: datetime,
    statuses: Iterable[Status],
    category: str | None = None,
    offset: int = 0,
    limit: int = 5,
) -> Page:
    """Campaigns within radius_km, nearest first."""
    cells = cells_around(lat, lon, radius_km)
    statement = _nearby_statement(frozenset(statuses), category is not None, len(cells))
    params = {
        "lat": lat,
        "lon": lon,
        "scale": lon_scale(lat),
        "max_sq": (radius_km / KM_PER_DEGREE) ** 2,
        "now": now,
        "offset": offset,
        "limit": limit + 1,
        "category": category,
    }
    if category is None:
        del params["category"]
    params.update(zip(_cell_names(len(cells)), cells, strict=True))
    rows = (await session.execute(statement, params)).all()
    return _items(rows, (lat, lon), limit)


async def search(
    session: AsyncSession,
    *,
    words: list[str],
    now: datetime,
    statuses: Iterable[Status],
    category: str | None = None,
    origin: tuple[float, float] | None = None,
    offset: int = 0,
    limit: int = 5,
) -> Page:
    """Campaigns whose folded text holds every word; nearest first when a location is known."""
    query = select(*LIST_COLUMNS).where(
        *(Campaign.search_text.contains(word, autoescape=True) for word in words)
    )
    query = _filtered(query, statuses, category, now)
    if origin is not None:
        scale = lon_scale(origin[0])
        dlat = Campaign.lat - origin[0]
        dlon = (Campaign.lon - origin[1]) * scale
        query = query.order_by(dlat * dlat + dlon * dlon, Campaign.id)
    else:
        query = query.order_by(Campaign.ends_at, Campaign.id)
    return await _page(session, query.offset(offset), origin, limit)


async def followed(
    session: AsyncSession, *, user_id: int, now: datetime, origin: tuple[float, float] | None
) -> list[ListItem]:
    """Followed campaigns, soonest deadline first, ended ones last."""
    ended_last = (Campaign.ends_at <= now).cast(Campaign.backers.type)
    query = (
        select(*LIST_COLUMNS)
        .join(Follow, Follow.campaign_id == Campaign.id)
        .where(Follow.user_id == user_id)
        .order_by(ended_last, Campaign.ends_at, Campaign.id)
    )
    page = await _page(session, query, origin, limit=1000)
    return page.items


async def get(session: AsyncSession, campaign_id: int) -> Campaign | None:
    """The campaign with its rewards."""
    return await session.scalar(
        select(Campaign).where(Campaign.id == campaign_id).options(selectinload(Campaign.rewards))
    )


async def find(session: AsyncSession, campaign_id: int) -> Campaign | None:
    """The campaign's own row, without its rewards (one statement, not two)."""
    return await session.get(Campaign, campaign_id)


async def set_follow(
    session: AsyncSession,
    user_id: int,
    campaign_id: int,
    on: bool,
    now: datetime | None = None,
    source: str | None = None,
) -> None:
    """Follow or unfollow; idempotent, so that two taps racing both succeed. `source`: the tag
    of the poster or link the follower came from; an existing follow keeps its own."""
    if on:
        await insert_or_ignore(
            session, Follow, [Follow.user_id, Follow.campaign_id],
            user_id=user_id, campaign_id=campaign_id, created_at=now or utcnow(), source=source,
        )  # fmt: skip
    else:
        await session.execute(
            delete(Follow).where(Follow.user_id == user_id, Follow.campaign_id == campaign_id)
        )


async def delete_campaign(session: AsyncSession, campaign_id: int) -> None:
    # Its queued alerts stay (they carry their own text); they no longer point at it.
    await session.execute(
        update(Outbox).where(Outbox.campaign_id == campaign_id).values(campaign_id=None)
    )
    await session.execute(delete(Campaign).where(Campaign.id == campaign_id))
