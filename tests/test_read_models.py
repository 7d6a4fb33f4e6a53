"""The in-memory read models: the database marks every write (migrations 0005, 0006), the
campaign index serves the pages the SQL query would, and writes made anywhere reach the index and
the user cache."""

import asyncio
import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.campaigns import STATUS_FILTERS
from bot.readmodels.campaign_index import CampaignIndex
from bot.readmodels.sync import PageCache, ReadModels
from storage.models import Campaign, Category, User
from storage.repo import campaigns, revisions
from tests.databases import postgresql_only
from tests.delivery_helpers import add_users
from tests.factories import SAINT_LO, TOURS, add_campaigns, campaign

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
EVERY_STATUS = STATUS_FILTERS["a"]


async def since(
    sessionmaker: async_sessionmaker[AsyncSession], mark: revisions.Mark
) -> tuple[revisions.Changes, set[int], set[int]]:
    """The changes after `mark`, the ids of the campaigns and of the users written after it."""
    async with sessionmaker() as session:
        changes = await revisions.changes(session, mark)
        campaign_ids = {row.id async for row in revisions.campaign_rows(session, mark)}
        user_ids = set(await revisions.user_ids_written(session, mark))
    return changes, campaign_ids, user_ids


async def test_the_changes_after_a_mark_hold_every_write(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session:
        mark = await revisions.watermark(session)
    first, second = await add_campaigns(sessionmaker, campaign(NOW), campaign(NOW))
    changes, written, _ = await since(sessionmaker, mark)
    assert written == {first, second}
    assert "campaigns" in changes.written and not changes.deleted
    mark = changes.mark
    assert (await since(sessionmaker, mark))[1:] == (set(), set())

    async with sessionmaker() as session:
        await session.execute(update(Campaign).where(Campaign.id == first).values(raised_cents=1))
        await session.commit()
    changes, written, _ = await since(sessionmaker, mark)
    assert written == {first} and not changes.deleted
    mark = changes.mark

    async with sessionmaker() as session:
        await session.execute(delete(Campaign).where(Campaign.id == second))
        await session.execute(delete(User).where(User.id == 404))  # deletes nothing
        await session.commit()
    changes, written, _ = await since(sessionmaker, mark)
    assert changes.deleted == {"campaigns"} and written == set()
    mark = changes.mark

    async with sessionmaker() as session:
        await add_users(session, [5, 6])
    changes, _, users = await since(sessionmaker, mark)
    assert users == {5, 6} and "users" in changes.written
    mark = changes.mark
    async with sessionmaker() as session:
        await session.execute(update(User).where(User.id == 5).values(blocked_at=NOW))
        await session.execute(delete(User).where(User.id == 6))
        await session.commit()
    changes, _, users = await since(sessionmaker, mark)
    assert users == {5} and changes.deleted == {"users"}


async def test_a_row_is_stamped_with_its_transaction_on_postgresql(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """On PostgreSQL a written row's revision is its transaction's id and no shared row is
    written; on SQLite (one writer) every row takes the next value of its table's counter."""
    async with sessionmaker() as session:
        items = [campaign(NOW) for _ in range(50)]
        session.add_all(items)
        await session.flush()
        postgres = session.get_bind().dialect.name == "postgresql"
        if postgres:
            xid = await session.scalar(text("SELECT pg_current_xact_id()::text::bigint"))
        await session.commit()
        query = select(Campaign.revision).where(Campaign.id.in_([c.id for c in items]))
        stamped = set((await session.scalars(query)).all())
        counted = await revisions.counters(session)
    if postgres:
        assert stamped == {xid} and counted == {}
    else:
        assert len(stamped) == 50 and max(stamped) == counted["campaigns"]


async def test_a_write_under_way_at_a_refresh_is_taken_in_by_the_next(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    models = ReadModels(max_age=0, user_cache_size=10)
    async with sessionmaker() as session:
        await models.refresh(session)
    async with sessionmaker() as writer:
        writer.add(campaign(NOW, title="En cours"))
        await writer.flush()
        async with sessionmaker() as session:
            await models.refresh(session)
        assert len(models.campaigns) == 0
        await writer.commit()
    async with sessionmaker() as session:
        await models.refresh(session)
    assert len(models.campaigns) == 1


@pytest.mark.parametrize("db_url", postgresql_only(), indirect=True)
async def test_a_long_transaction_is_waited_for_without_reading_again_what_was_seen(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """An import still running at a refresh is taken in once it commits; what others wrote
    meanwhile is read once, not at every refresh for as long as the import runs."""
    models = ReadModels(max_age=0, user_cache_size=10)
    async with sessionmaker() as session:
        await add_users(session, [5])
        await models.refresh(session)
    async with sessionmaker() as importer:
        importer.add(campaign(NOW, title="Import"))
        await importer.flush()
        async with sessionmaker() as session:  # a later transaction, done before the refresh
            await session.execute(update(User).where(User.id == 5).values(radius_km=10))
            await session.commit()
            user = await session.get(User, 5)
            assert user is not None
            models.users.remember(user)
        async with sessionmaker() as session:
            await models.refresh(session)
        assert 5 not in models.users and len(models.campaigns) == 0
        async with sessionmaker() as session:
            user = await session.get(User, 5)
            assert user is not None
            models.users.remember(user)
            await models.refresh(session)
        assert 5 in models.users  # not written since the last refresh: kept
        await importer.commit()
    async with sessionmaker() as session:
        await models.refresh(session)
    assert len(models.campaigns) == 1 and 5 in models.users


async def test_an_update_never_waits_for_another_updates_refresh(
    sessionmaker: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An update that finds a refresh under way is served from the models as they are."""
    clock = [100.0]
    models = ReadModels(max_age=1.0, user_cache_size=10, clock=lambda: clock[0])
    async with sessionmaker() as session:
        await models.refresh(session)
    release = asyncio.Event()
    changes = revisions.changes

    async def slow_changes(session: AsyncSession, mark: revisions.Mark) -> revisions.Changes:
        await release.wait()
        return await changes(session, mark)

    monkeypatch.setattr(revisions, "changes", slow_changes)
    await add_campaigns(sessionmaker, campaign(NOW))
    clock[0] += 1.0
    async with sessionmaker() as first, sessionmaker() as second:
        refreshing = asyncio.create_task(models.refresh_if_due(first))
        await asyncio.sleep(0)  # the first update is now waiting for the database
        await asyncio.wait_for(models.refresh_if_due(second), timeout=0.5)
        assert not refreshing.done() and len(models.campaigns) == 0
        release.set()
        await refreshing
    assert len(models.campaigns) == 1


def scattered(rng: random.Random, count: int) -> list[Campaign]:
    """Campaigns around Saint-Lô and Tours: every status, every category, shared points."""
    items = []
    for index in range(count):
        lat, lon = rng.choice([SAINT_LO, TOURS])
        if index % 7 == 0 and items:  # the same point as another one: ties broken by id
            lat, lon = items[-1].lat, items[-1].lon
        else:
            lat, lon = lat + rng.uniform(-0.6, 0.6), lon + rng.uniform(-0.8, 0.8)
        starts = NOW + timedelta(days=rng.randint(-60, 20), hours=rng.randint(0, 23))
        items.append(
            campaign(
                NOW,
                lat=lat,
                lon=lon,
                category=rng.choice(list(Category)).value,
                raised_cents=rng.randint(0, 500_000),
                starts_at=starts,
                ends_at=starts + timedelta(days=rng.randint(1, 60)),
            )
        )
    return items


async def test_the_index_serves_the_pages_of_the_query(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    rng = random.Random(5)
    await add_campaigns(sessionmaker, *scattered(rng, 400))
    models = ReadModels(max_age=0, user_cache_size=10)
    async with sessionmaker() as session:
        await models.refresh(session)
        assert len(models.campaigns) == 400
        for _ in range(150):
            lat, lon = rng.choice([SAINT_LO, TOURS])
            query = {
                "lat": lat + rng.uniform(-0.5, 0.5),
                "lon": lon + rng.uniform(-0.5, 0.5),
                "radius_km": rng.choice([5, 10, 25, 50]),
                "now": NOW,
                "statuses": STATUS_FILTERS[rng.choice(list(STATUS_FILTERS))],
                "category": rng.choice([None, None, "culture", "business"]),
                "offset": rng.choice([0, 0, 5, 10]),
                "limit": 5,
            }
            expected = await campaigns.nearby(session, **query)
            assert models.campaigns.nearby_until(**query)[0] == expected, query


async def test_writes_from_elsewhere_reach_the_index(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    models = ReadModels(max_age=0, user_cache_size=10)
    near = {"lat": SAINT_LO[0], "lon": SAINT_LO[1], "radius_km": 10, "now": NOW}

    async def page() -> list[tuple[str, int]]:
        async with sessionmaker() as session:
            await models.refresh_if_due(session)
        found, _ = models.campaigns.nearby_until(**near, statuses=EVERY_STATUS)
        return [(item.title, item.raised_cents) for item in found.items]

    assert await page() == []
    (added,) = await add_campaigns(sessionmaker, campaign(NOW, title="Atelier", raised_cents=10))
    assert await page() == [("Atelier", 10)]

    async with sessionmaker() as session:  # a progress report, written by another process
        await session.execute(
            update(Campaign).where(Campaign.id == added).values(raised_cents=90_000)
        )
        await session.commit()
    assert await page() == [("Atelier", 90_000)]

    async with sessionmaker() as session:  # moved to Tours
        moved = await session.get(Campaign, added)
        assert moved is not None
        moved.lat, moved.lon = TOURS
        await session.commit()
    assert await page() == []
    in_tours, _ = models.campaigns.nearby_until(
        lat=TOURS[0], lon=TOURS[1], radius_km=5, now=NOW, statuses=EVERY_STATUS
    )
    assert [item.id for item in in_tours.items] == [added]

    async with sessionmaker() as session:
        await session.execute(delete(Campaign).where(Campaign.id == added))
        await session.commit()
    await page()
    assert added not in models.campaigns and len(models.campaigns) == 0


async def test_changes_are_looked_for_at_most_once_per_max_age(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    clock = [100.0]
    models = ReadModels(max_age=1.0, user_cache_size=10, clock=lambda: clock[0])
    async with sessionmaker() as session:
        await models.refresh_if_due(session)
    (added,) = await add_campaigns(sessionmaker, campaign(NOW))
    clock[0] += 0.5
    async with sessionmaker() as session:
        await models.refresh_if_due(session)
    assert added not in models.campaigns
    clock[0] += 0.5
    async with sessionmaker() as session:
        await models.refresh_if_due(session)
    assert added in models.campaigns


async def test_users_written_elsewhere_leave_the_cache(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    models = ReadModels(max_age=0, user_cache_size=10)
    async with sessionmaker() as session:
        await add_users(session, [1, 2, 3])
        await models.refresh(session)
        for user in (await session.scalars(select(User))).all():
            models.users.remember(user)
    assert all(user_id in models.users for user_id in (1, 2, 3))

    async with sessionmaker() as session:  # the delivery worker: user 2 blocked the bot
        await session.execute(update(User).where(User.id == 2).values(blocked_at=NOW))
        await session.commit()
        await models.refresh(session)
    assert 1 in models.users and 2 not in models.users and 3 in models.users

    async with sessionmaker() as session:
        await session.execute(delete(User).where(User.id == 3))
        await session.commit()
        await models.refresh(session)
    assert len(models.users) == 0


async def test_a_cached_user_is_a_persistent_object_of_the_update(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """Changes to a user handed out from the cache are saved like any other."""
    models = ReadModels(max_age=0, user_cache_size=2)
    async with sessionmaker() as session:
        await add_users(session, [1, 2, 3])
        for user_id in (1, 2, 3):
            user = await session.get(User, user_id)
            assert user is not None
            models.users.remember(user)
    assert 1 not in models.users and len(models.users) == 2  # the least recently seen went

    async with sessionmaker() as session:
        user = models.users.attach(session, 2)
        assert user is not None and user.radius_km == 25
        user.radius_km = 50
        await session.commit()
    async with sessionmaker() as session:
        stored = await session.get(User, 2)
        assert stored is not None and stored.radius_km == 50


def test_a_deleted_campaigns_place_is_reused_without_leftovers() -> None:
    index = CampaignIndex()

    def row(campaign_id: int, title: str, lat: float, lon: float) -> tuple:
        ends = NOW + timedelta(days=5)
        return (campaign_id, title, "50502", lat, lon, 100, 10, NOW, ends, "culture")

    index.put(row(1, "Un", *SAINT_LO))
    index.put(row(2, "Deux", SAINT_LO[0] + 0.01, SAINT_LO[1]))
    index.remove(1)
    index.put(row(3, "Trois", *TOURS))  # takes the first one's place in the columns
    near_saint_lo, _ = index.nearby_until(
        lat=SAINT_LO[0], lon=SAINT_LO[1], radius_km=10, now=NOW, statuses=EVERY_STATUS
    )
    assert [(item.id, item.title) for item in near_saint_lo.items] == [(2, "Deux")]
    near_tours, _ = index.nearby_until(
        lat=TOURS[0], lon=TOURS[1], radius_km=10, now=NOW, statuses=EVERY_STATUS
    )
    assert [(item.id, item.title) for item in near_tours.items] == [(3, "Trois")]
    assert len(index) == 2 and 1 not in index
    index.keep_only({3})
    assert len(index) == 1 and 2 not in index


def test_a_kept_page_holds_for_its_version_and_its_time_only() -> None:
    pages = PageCache(size=2)
    pages.put("a", version=1, since=100.0, until=200.0, value="page a")
    assert pages.get("a", version=1, now=150.0) == "page a"
    assert pages.get("a", version=1, now=99.0) is None  # computed later than that
    pages.put("a", version=1, since=100.0, until=200.0, value="page a")
    assert pages.get("a", version=1, now=200.0) is None  # something on it started or ended
    pages.put("a", version=1, since=100.0, until=200.0, value="page a")
    assert pages.get("a", version=2, now=150.0) is None  # the index changed
    pages.put("a", version=2, since=100.0, until=200.0, value="page a")
    pages.put("b", version=2, since=100.0, until=200.0, value="page b")
    pages.put("c", version=2, since=100.0, until=200.0, value="page c")
    assert len(pages) == 2 and pages.get("a", version=2, now=150.0) is None


def test_a_page_holds_until_a_campaign_near_it_starts_or_ends() -> None:
    index = CampaignIndex()
    soon = NOW + timedelta(hours=3)
    index.put((1, "Live", "50502", *SAINT_LO, 100, 10, NOW - timedelta(days=1), soon, "culture"))
    index.put((2, "Later", "50502", *SAINT_LO, 100, 10, NOW + timedelta(hours=1), soon, "culture"))
    index.put(  # far away: its start changes nothing here
        (3, "Tours", "37261", *TOURS, 100, 10, NOW + timedelta(minutes=5), soon, "culture")
    )
    statuses = STATUS_FILTERS["l"]
    page, until = index.nearby_until(
        lat=SAINT_LO[0], lon=SAINT_LO[1], radius_km=10, now=NOW, statuses=statuses
    )
    assert [item.id for item in page.items] == [1]
    assert until == (NOW + timedelta(hours=1)).timestamp()  # when "Later" goes live
