"""Retention: a resident inactive for RETENTION_DAYS is told a week before, then erased as by
/forget; coming back cancels it; notifications done with are purged after 90 days."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.retention import sweep
from bot.settings import Settings
from storage.models import Follow, Outbox, User
from tests.delivery_helpers import SkipClock, make_worker, queue
from tests.e2e import Harness, plain
from tests.factories import add_campaigns, campaign

DAY = timedelta(days=1)


async def count(sessionmaker: async_sessionmaker[AsyncSession], model: type, **where: int) -> int:
    async with sessionmaker() as session:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return int(await session.scalar(query) or 0)


async def run_sweep(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime, settings: Settings
) -> None:
    async with sessionmaker() as session:
        await sweep(session, now=now, settings=settings)
        await session.commit()


async def test_an_inactive_resident_is_warned_then_erased_and_a_returning_one_kept(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    (project,) = await add_campaigns(sessionmaker, campaign(harness.clock.now))
    for user_id in (8001, 8002):
        chat = harness.chat(user_id)
        await chat.send("/start")
        await chat.send("Tours")
    async with sessionmaker() as session:
        session.add(Follow(user_id=8001, campaign_id=project))
        await session.commit()
    settings = harness.settings
    first = harness.clock.now

    # 358 days later (a week before the year is up), both are told, in their language.
    warned_at = first + 358 * DAY + timedelta(hours=2)  # 12:00 in Paris: no quiet hours
    await run_sweep(sessionmaker, warned_at, settings)
    assert await count(sessionmaker, Outbox, user_id=8001) == 1
    worker = make_worker(harness.bot, sessionmaker, harness.i18n, settings, SkipClock(warned_at))
    await worker.run(until_empty=True)
    erase_on = harness.t("retention.warning", date="").split("{")[0]
    assert plain(harness.chat(8001).last["text"]).startswith(erase_on.strip()[:20])

    # 8002 comes back; a week later 8001 (still away) is erased, 8002 is kept.
    harness.clock.now = warned_at + DAY
    await harness.chat(8002).send("/nearby")
    await run_sweep(sessionmaker, warned_at + 7 * DAY + timedelta(minutes=1), settings)
    assert await count(sessionmaker, User, id=8001) == 0
    assert await count(sessionmaker, Follow, user_id=8001) == 0
    assert await count(sessionmaker, User, id=8002) == 1


async def test_notifications_done_with_are_purged_after_90_days(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    async with sessionmaker() as session:
        session.add(User(id=8003, last_seen_at=now))
        await session.commit()
    async with sessionmaker() as session:
        for key, finished in (("old", now - 91 * DAY), ("recent", now - 89 * DAY)):
            await queue(session, 8003, key, "x", finished)
        await session.execute(
            Outbox.__table__.update().values(status="sent", finished_at=Outbox.due_at)
        )
        await queue(session, 8003, "pending", "x", now - 200 * DAY)  # not done with: kept
        await session.commit()
    await run_sweep(sessionmaker, now, Settings(_env_file=None))  # type: ignore[call-arg]
    async with sessionmaker() as session:
        keys = set((await session.scalars(select(Outbox.dedup_key))).all())
    assert keys == {"recent", "pending"}
