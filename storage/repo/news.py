"""Holders' news as residents read them (the card's latest news, the past news) and as the
daily limit counts them. Rows are `broadcasts` of kind "news"."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from storage.models import Broadcast, Campaign, Follow, UTCDateTime
from storage.repo.progress import raised_at_query

NEWS = "news"


@dataclass(frozen=True, slots=True)
class CardFacts:
    """What a card shows beyond the campaign's row: its latest news, and the raised amount a
    week ago (None when the history does not go back that far)."""

    news_text: str | None = None
    news_at: datetime | None = None
    raised_week_ago: int | None = None
    followed: bool = False  # by the reader of the card


def _posted(campaign_id: Any) -> ColumnElement[bool]:
    return and_(
        Broadcast.campaign_id == campaign_id,
        Broadcast.kind == NEWS,
        Broadcast.cancelled_at.is_(None),
    )


def _published(campaign_id: Any, now: Any) -> ColumnElement[bool]:
    """Posted, not cancelled, and not waiting for a later sending time."""
    return and_(
        _posted(campaign_id),
        Broadcast.created_at <= now,
        or_(Broadcast.send_at.is_(None), Broadcast.send_at <= now),
    )


async def posted_since(session: AsyncSession, campaign_id: int, since: datetime) -> list[datetime]:
    """When the campaign's news (not cancelled) were posted after `since`, oldest first."""
    rows = await session.scalars(
        select(Broadcast.created_at)
        .where(_posted(campaign_id), Broadcast.created_at > since)
        .order_by(Broadcast.created_at)
    )
    return list(rows)


async def count(session: AsyncSession, campaign_id: int, now: datetime) -> int:
    """How many news of the campaign residents can read."""
    found = await session.scalar(
        select(func.count()).select_from(Broadcast).where(_published(campaign_id, now))
    )
    return int(found or 0)


async def page(
    session: AsyncSession, campaign_id: int, now: datetime, offset: int, limit: int
) -> list[Broadcast]:
    """A page of the campaign's news, newest first."""
    rows = await session.scalars(
        select(Broadcast)
        .where(_published(campaign_id, now))
        .order_by(Broadcast.created_at.desc(), Broadcast.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(rows)


def _card_statement() -> Select[Campaign, str | None, datetime | None, int | None, bool]:
    """The campaign with its rewards, and the card's facts: three scalar subqueries, each an
    index seek (broadcasts by campaign and time, progress_history by campaign and time), and
    whether the reader follows. One statement, built once with bound parameters: each statement
    is a round trip to the database (on SQLite, to its thread), and building this one at each
    card took 2.2 ms a card, 0.9 ms once built (SQLite, 10,000 campaigns, 200,000 points,
    50,000 news; the statement itself runs in 13 µs)."""
    campaign_id = bindparam("campaign_id", type_=Integer())
    now = bindparam("now", type_=UTCDateTime())
    latest = (
        select(Broadcast.id)
        .where(_published(campaign_id, now))
        .order_by(Broadcast.created_at.desc(), Broadcast.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    text = select(Broadcast.text).where(Broadcast.id == latest).scalar_subquery()
    at = select(Broadcast.created_at).where(Broadcast.id == latest).scalar_subquery()
    week_ago = bindparam("week_ago", type_=UTCDateTime())
    user_id = bindparam("user_id", type_=BigInteger())
    followed = exists().where(Follow.user_id == user_id, Follow.campaign_id == campaign_id)
    return (
        select(Campaign, text, at, raised_at_query(campaign_id, week_ago), followed)
        .where(Campaign.id == campaign_id)
        .options(joinedload(Campaign.rewards))
    )


_CARD = _card_statement()


async def card(
    session: AsyncSession, campaign_id: int, now: datetime, week_ago: datetime, user_id: int = 0
) -> tuple[Campaign, CardFacts] | None:
    """What a campaign's card shows: the campaign with its rewards, its latest news, the raised
    amount a week ago and whether the reader follows it; None if there is no such campaign."""
    values = {"campaign_id": campaign_id, "now": now, "week_ago": week_ago, "user_id": user_id}
    row = (await session.execute(_CARD, values)).unique().first()
    if row is None:
        return None
    facts = CardFacts(news_text=row[1], news_at=row[2], raised_week_ago=row[3], followed=row[4])
    return row[0], facts


async def published(session: AsyncSession, campaign_id: int, now: datetime) -> bool:
    """The campaign has news residents can read (its card's "Past news" button)."""
    found = await session.scalar(select(exists().where(_published(campaign_id, now))))
    return bool(found)
