"""The in-memory read models: the database numbers every write (migration 0005), the campaign
index serves the pages the SQL query would, and writes made anywhere reach the index and the
user cache."""

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.campaign_index import CampaignIndex
from bot.campaigns import STATUS_FILTERS
from bot.read_models import PageCache, ReadModels
from storage.models import Campaign, Category, User
from storage.repo import campaigns
from storage.repo.revisions import counters
from tests.delivery_helpers import add_users
from tests.factories import SAINT_LO, TOURS, add_campaigns, campaign

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
EVERY_STATUS = STATUS_FILTERS["a"]


async def revision_of(session: AsyncSession, model: type, row_id: int) -> int:
    return (await session.scalars(select(model.revision).where(model.id == row_id))).one()


async def test_the_database_numbers_every_write(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session:
        assert await counters(session) == {
            "campaigns": 0,
            "campaigns_deleted": 0,
            "users": 0,
            "users_deleted": 0,
        }
    first, second = await add_campaigns(sessionmaker, campaign(NOW), campaign(NOW))
    async with sessionmaker() as session:
        after_insert = (await counters(session))["campaigns"]
        assert 0 < await revision_of(session, Campaign, first) <= after_insert
        assert 0 < await revision_of(session, Campaign, second) <= after_insert

        await session.execute(update(Campaign).where(Campaign.id == first).values(raised_cents=1))
        await session.commit()
        after_update = (await counters(session))["campaigns"]
        assert after_update > after_insert
        assert await revision_of(session, Campaign, first) == after_update
        assert await revision_of(session, Campaign, second) <= after_insert

        await session.execute(delete(Campaign).where(Campaign.id == second))
        await session.commit()
        now = await counters(session)
        assert now["campaigns_deleted"] == 1
        assert now["campaigns"] == after_update

        await add_users(session, [5, 6])
        users_after_insert = (await counters(session))["users"]
        assert users_after_insert > 0
        await session.execute(update(User).where(User.id == 5).values(blocked_at=NOW))
        await session.commit()
        assert await revision_of(session, User, 5) == (await counters(session))["users"]
        await session.execute(delete(User).where(User.id == 6))
        await session.commit()
        assert (await counters(session))["users_deleted"] == 1


async def test_one_transaction_takes_one_revision_on_postgresql(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """A bulk write moves the counter once on PostgreSQL (per row on SQLite, one writer)."""
    ids = await add_campaigns(sessionmaker, *(campaign(NOW) for _ in range(50)))
    async with sessionmaker() as session:
        revisions = set(
            (await session.scalars(select(Campaign.revision).where(Campaign.id.in_(ids)))).all()
        )
        total = (await counters(session))["campaigns"]
        if session.bind.dialect.name == "postgresql":
            assert revisions == {total} and total == 1
        else:
            assert len(revisions) == 50 and max(revisions) == total


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
