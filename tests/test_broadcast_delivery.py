"""Holders' news through the outbox: who gets a row, sent as its own message in each follower's
language (a photo with its caption, the link button), blocked followers counted, and the
sender's report message edited up to its final counts."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.broadcasts import queue_news
from storage.models import Broadcast, Follow, Outbox, Priority
from tests.delivery_helpers import add_users
from tests.factories import add_campaigns, campaign

TZ = "Europe/Paris"
NOON = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)  # 12:00 in Paris: outside quiet hours


async def news_for(
    sessionmaker: async_sessionmaker[AsyncSession], followers: list[int], **fields: object
) -> Broadcast:
    """A campaign followed by `followers`, and a news post of it (not queued)."""
    [campaign_id] = await add_campaigns(sessionmaker, campaign(NOON, title="Tricot & Cie"))
    async with sessionmaker() as session:
        await session.execute(
            insert(Follow), [{"user_id": u, "campaign_id": campaign_id} for u in followers]
        )
        news = Broadcast(
            kind="news", campaign_id=campaign_id, author_id=1, text="<b>Atelier</b> samedi"
        )
        for name, value in fields.items():
            setattr(news, name, value)
        session.add(news)
        await session.commit()
        return news


async def outbox_rows(sessionmaker: async_sessionmaker[AsyncSession]) -> list[Outbox]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(Outbox).order_by(Outbox.user_id)))


async def test_news_is_queued_once_for_followers_who_want_it(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session:
        await add_users(session, [10, 11, 99])
        await add_users(session, [12], notify_news=False)
        await add_users(session, [13], blocked_at=NOON - timedelta(days=1))
        await add_users(session, [14], quiet_hours=True, quiet_start=11 * 60, quiet_end=14 * 60)
    news = await news_for(sessionmaker, [10, 11, 12, 13, 14])
    async with sessionmaker() as session:
        news = await session.get_one(Broadcast, news.id)
        assert await queue_news(session, news, NOON, TZ) == 3
        await session.commit()
    async with sessionmaker() as session:
        news = await session.get_one(Broadcast, news.id)
        assert await queue_news(session, news, NOON + timedelta(minutes=1), TZ) == 0
        await session.commit()
        assert (news.queued_at, news.recipients) == (NOON, 3)

    queued = await outbox_rows(sessionmaker)
    assert [(r.user_id, r.kind, r.broadcast_id, r.priority) for r in queued] == [
        (u, "news", news.id, Priority.BULK) for u in (10, 11, 14)
    ]
    assert {r.status for r in queued} == {"pending"}
    assert queued[0].content == {}  # the text stays in the broadcast
    # 12:00 in Paris is in user 14's quiet hours (11:00-14:00): held until 14:00 (13:00 UTC).
    assert [r.not_before for r in queued] == [NOON, NOON, NOON + timedelta(hours=2)]
