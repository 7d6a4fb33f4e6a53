"""The platform sync against the local fake of Ulule's API, on both databases: new projects
placed in the operation's territory or listed for the coordinators, figures through the one
milestone function, odd figures and an unreachable platform keeping the last good ones, a
cancellation told once."""

import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.scheduler import Scheduler, platform_sync
from bot.devtools.fakeulule import ERROR, TIMEOUT, FakeUlule, project_doc
from bot.domain.gazetteer import Gazetteer
from bot.domain.territory import Area
from bot.imports.placing import figures_of, place
from bot.imports.ulule import SOURCE, project_of
from bot.settings import Settings
from bot.ui.formatting import percent
from storage.models import Campaign, Operation, Outbox, Priority, ProgressPoint, UnplacedProject
from storage.repo import platform
from tests.delivery_helpers import SkipClock, add_users
from tests.sync_helpers import add_operation, follow, run_sync, sync_settings, synced


@pytest.fixture
async def fake() -> AsyncIterator[FakeUlule]:
    async with FakeUlule(delay=1.0) as server:
        yield server


@pytest.fixture
def clock() -> SkipClock:
    return SkipClock()


async def outbox(session: AsyncSession, kind: str) -> list[Outbox]:
    return list(await session.scalars(select(Outbox).where(Outbox.kind == kind)))


def test_a_city_is_placed_in_the_territory_only(gazetteer: Gazetteer) -> None:
    touraine = [Area("department", "37")]
    manche = [Area("department", "50")]
    assert (c := place("Tours", "FR", touraine, gazetteer)) and c.insee == "37261"
    assert (c := place("37000 Tours", None, touraine, gazetteer)) and c.insee == "37261"
    assert (c := place("Amboise, France", "FR", touraine, gazetteer)) and c.insee == "37003"
    assert place("Saint-Lô", "FR", touraine, gazetteer) is None  # outside the territory
    assert place("Tours", "BE", touraine, gazetteer) is None  # another country
    assert place("Atlantis", "FR", touraine, gazetteer) is None
    assert place(None, "FR", touraine, gazetteer) is None
    # Twelve communes are named Sainte-Colombe, one of them in the Manche.
    assert (c := place("Sainte-Colombe", "FR", manche, gazetteer)) and c.insee == "50457"
    assert place("Sainte-Colombe", "FR", [], gazetteer) is None  # a person decides


async def test_a_first_sync_creates_the_placed_campaigns_and_lists_the_others(
    sessionmaker: async_sessionmaker[AsyncSession],
    fake: FakeUlule,
    gazetteer: Gazetteer,
    clock: SkipClock,
) -> None:
    fake.page_size = 2
    fake.add(project_doc(1, name="Ferme", city="Tours", raised=600, supporters=12), user=42)
    fake.add(project_doc(2, name="Cidrerie", city="Amboise", raised=0), user=42)
    fake.add(project_doc(3, name="Loin", city="Saint-Lô"), user=42)  # not in Touraine
    fake.add(project_doc(4, name="Nulle part", city="Atlantis"), user=42)
    fake.add(project_doc(5, name="Ailleurs", city="Tours", country="CA"), user=42)
    operation_id = await add_operation(sessionmaker)

    report = await run_sync(sessionmaker, operation_id, sync_settings(fake), gazetteer, clock)

    assert (report.pages, report.seen, report.created, report.unplaced) == (3, 5, 2, 3)
    assert report.error is None
    async with sessionmaker() as session:
        farm = await synced(session, "1")
        assert (farm.title, farm.holder, farm.commune_insee) == ("Ferme", "Porteur 1", "37261")
        assert (farm.goal_cents, farm.raised_cents, farm.backers) == (200_000, 60_000, 12)
        assert (farm.operation_id, farm.figures_at, farm.url) == (
            operation_id,
            clock.now,
            "https://fr.ulule.com/projet-1/",
        )
        assert farm.description == "Le sous-titre de Ferme"
        assert "ferme" in farm.search_text and "tours" in farm.search_text
        assert farm.last_milestone == 25  # 30 %: recorded as crossed, nobody followed it yet
        points = list(await session.scalars(select(ProgressPoint)))
        assert {(p.campaign_id, p.raised_cents, p.source) for p in points} == {
            (farm.id, 60_000, "sync"),
            ((await synced(session, "2")).id, 0, "sync"),
        }
        listed = await platform.unplaced(session, operation_id)
        assert sorted((u.external_id, u.title, u.city, u.country) for u in listed) == [
            ("3", "Loin", "Saint-Lô", "FR"),
            ("4", "Nulle part", "Atlantis", "FR"),
            ("5", "Ailleurs", "Tours", "CA"),
        ]
        operation = await session.get(Operation, operation_id)
        assert operation is not None
        assert (operation.synced_at, operation.sync_tried_at) == (clock.now, clock.now)
        assert operation.sync_error is None


async def test_changed_figures_go_through_the_milestones_and_the_history(
    sessionmaker: async_sessionmaker[AsyncSession],
    fake: FakeUlule,
    gazetteer: Gazetteer,
    clock: SkipClock,
) -> None:
    fake.add(project_doc(1, raised=600, supporters=12), user=42)  # 30 % of 2 000 €
    fake.add(project_doc(2, raised=100, supporters=1), user=42)
    operation_id = await add_operation(sessionmaker)
    settings = sync_settings(fake)
    await run_sync(sessionmaker, operation_id, settings, gazetteer, clock)
    async with sessionmaker() as session:
        await add_users(session, [501, 502])
        await follow(session, (await synced(session, "1")).id, [501, 502])

    fake.update(1, amount_raised=1100, supporters_count=20)  # 55 %: past 50 %
    clock.now += timedelta(minutes=15)
    report = await run_sync(sessionmaker, operation_id, settings, gazetteer, clock)
    assert (report.changed, report.created, report.kept) == (1, 0, 0)
    clock.now += timedelta(minutes=15)
    again = await run_sync(sessionmaker, operation_id, settings, gazetteer, clock)
    assert again.changed == 0

    async with sessionmaker() as session:
        alerts = await outbox(session, "milestone")
        assert sorted(a.user_id for a in alerts) == [501, 502], "each follower told once"
        assert {a.content["milestone"] for a in alerts} == {50}
        farm = await synced(session, "1")
        assert (farm.raised_cents, farm.backers, farm.last_milestone) == (110_000, 20, 50)
        assert farm.figures_at == clock.now
        points = await session.scalars(
            select(ProgressPoint.raised_cents)
            .where(ProgressPoint.campaign_id == farm.id)
            .order_by(ProgressPoint.id)
        )
        assert list(points) == [60_000, 110_000], "a point a change, none when nothing changed"


async def test_odd_figures_keep_the_last_good_ones(
    sessionmaker: async_sessionmaker[AsyncSession],
    fake: FakeUlule,
    gazetteer: Gazetteer,
    clock: SkipClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake.add(project_doc(1, raised=600, supporters=12), user=42)
    operation_id = await add_operation(sessionmaker)
    settings = sync_settings(fake)
    await run_sync(sessionmaker, operation_id, settings, gazetteer, clock)
    first = clock.now

    fake.update(1, amount_raised="n/a", name="Nouveau nom")
    clock.now += timedelta(minutes=15)
    with caplog.at_level(logging.WARNING):
        report = await run_sync(sessionmaker, operation_id, settings, gazetteer, clock)

    assert (report.kept, report.error) == (1, None)
    assert "amount_raised" in caplog.text
    async with sessionmaker() as session:
        campaign = await synced(session, "1")
        assert (campaign.raised_cents, campaign.backers) == (60_000, 12)
        assert campaign.figures_at == first, "the figures were not confirmed"
        assert campaign.title == "Nouveau nom", "what could be read was taken"


def test_a_presale_keeps_its_goal_until_a_price_is_known_and_odd_counts_keep_all() -> None:
    waiting = project_of(project_doc(8, type_="presale", goal=200, raised=0, sold=0))
    assert waiting is not None and figures_of(waiting, 20_000) == (20_000, 0, 0)
    odd = project_doc(8, type_="presale", goal=200, raised=50, sold=2)
    odd["nb_products_sold"] = "deux"
    read = project_of(odd)
    assert read is not None and figures_of(read, 20_000) is None


async def test_a_presale_shows_its_pre_orders_percent(
    sessionmaker: async_sessionmaker[AsyncSession],
    fake: FakeUlule,
    gazetteer: Gazetteer,
    clock: SkipClock,
) -> None:
    fake.add(project_doc(8, type_="presale", goal=200, raised=0, sold=0), user=42)
    operation_id = await add_operation(sessionmaker)
    settings = sync_settings(fake)
    await run_sync(sessionmaker, operation_id, settings, gazetteer, clock)
    async with sessionmaker() as session:
        campaign = await synced(session, "8")
        assert percent(campaign.raised_cents, campaign.goal_cents) == 0

    fake.update(8, amount_raised=3_745.5, nb_products_sold=107, supporters_count=98)
    await run_sync(sessionmaker, operation_id, settings, gazetteer, clock)
    async with sessionmaker() as session:
        campaign = await synced(session, "8")
        assert campaign.raised_cents == 374_550
        assert percent(campaign.raised_cents, campaign.goal_cents) == 107 * 100 // 200
        assert campaign.last_milestone == 50


async def test_an_unreachable_platform_keeps_the_figures_and_records_the_error(
    sessionmaker: async_sessionmaker[AsyncSession],
    fake: FakeUlule,
    gazetteer: Gazetteer,
    clock: SkipClock,
) -> None:
    fake.page_size = 1
    fake.add(project_doc(1, raised=600, supporters=12), user=42)
    fake.add(project_doc(2, raised=100, supporters=1), user=42)
    operation_id = await add_operation(sessionmaker)
    settings = sync_settings(fake)
    await run_sync(sessionmaker, operation_id, settings, gazetteer, clock)
    synced_at = clock.now

    fake.update(1, amount_raised=900)
    for kind, message in ((ERROR, "HTTP 500"), (TIMEOUT, "timeout after 0.3 s")):
        fake.fail(kind)
        clock.now += timedelta(minutes=15)
        report = await run_sync(sessionmaker, operation_id, settings, gazetteer, clock)
        assert report.error is not None and message in report.error
        async with sessionmaker() as session:
            operation = await session.get(Operation, operation_id)
            assert operation is not None
            assert (operation.sync_error, operation.sync_tried_at) == (report.error, clock.now)
            assert operation.synced_at == synced_at
            campaign = await synced(session, "1")
            assert (campaign.raised_cents, campaign.figures_at) == (60_000, synced_at)

    fake.recover()
    clock.now += timedelta(minutes=15)
    report = await run_sync(sessionmaker, operation_id, settings, gazetteer, clock)
    assert (report.error, report.changed) == (None, 1)
    async with sessionmaker() as session:
        operation = await session.get(Operation, operation_id)
        assert operation is not None and operation.sync_error is None
        assert operation.synced_at == clock.now
        campaign = await synced(session, "1")
        assert (campaign.raised_cents, campaign.figures_at) == (90_000, clock.now)


async def test_a_failure_mid_listing_keeps_the_pages_already_written(
    sessionmaker: async_sessionmaker[AsyncSession],
    fake: FakeUlule,
    gazetteer: Gazetteer,
    clock: SkipClock,
) -> None:
    fake.page_size = 1
    for number in (1, 2):
        fake.add(project_doc(number, raised=100), user=42)
    operation_id = await add_operation(sessionmaker)
    settings = sync_settings(fake)
    await run_sync(sessionmaker, operation_id, settings, gazetteer, clock)
    fake.update(1, amount_raised=300)
    fake.update(2, amount_raised=300)
    fake.fail(ERROR, after=1)  # the first page is read, the second never
    clock.now += timedelta(minutes=15)
    report = await run_sync(sessionmaker, operation_id, settings, gazetteer, clock)
    assert (report.pages, report.error) == (1, "HTTP 500")
    async with sessionmaker() as session:
        assert (await synced(session, "1")).raised_cents == 30_000
        assert (await synced(session, "2")).raised_cents == 10_000


async def test_a_cancelled_project_is_marked_and_its_followers_told_once(
    sessionmaker: async_sessionmaker[AsyncSession],
    fake: FakeUlule,
    gazetteer: Gazetteer,
    clock: SkipClock,
) -> None:
    fake.add(project_doc(1, name="Ferme", raised=600), user=42)
    fake.add(project_doc(2, name="Déjà annulé", cancelled=True), user=42)
    operation_id = await add_operation(sessionmaker)
    settings = sync_settings(fake)
    first = await run_sync(sessionmaker, operation_id, settings, gazetteer, clock)
    assert (first.created, first.skipped) == (1, 1)  # cancelled before it was ever seen
    async with sessionmaker() as session:
        await add_users(session, [601, 602])
        await follow(session, (await synced(session, "1")).id, [601, 602])

    fake.update(1, is_cancelled=True, amount_raised=0)
    for _ in range(2):
        clock.now += timedelta(minutes=15)
        await run_sync(sessionmaker, operation_id, settings, gazetteer, clock)

    async with sessionmaker() as session:
        campaign = await synced(session, "1")
        assert campaign.cancelled_at == clock.now - timedelta(minutes=15)
        assert campaign.raised_cents == 60_000, "a cancelled campaign's figures stay"
        told = await outbox(session, "cancelled")
        assert sorted(row.user_id for row in told) == [601, 602]
        assert {row.priority for row in told} == {Priority.URGENT}
        assert told[0].content == {"campaign": campaign.id, "title": "Ferme"}
        cancelled = await session.scalar(
            select(Campaign).where(Campaign.source == SOURCE, Campaign.external_id == "2")
        )
        assert cancelled is None


async def test_a_project_placed_by_hand_leaves_the_unplaced_list(
    sessionmaker: async_sessionmaker[AsyncSession],
    fake: FakeUlule,
    gazetteer: Gazetteer,
    clock: SkipClock,
) -> None:
    fake.add(project_doc(4, name="Nulle part", city="Atlantis", raised=50), user=42)
    operation_id = await add_operation(sessionmaker)
    settings = sync_settings(fake)
    await run_sync(sessionmaker, operation_id, settings, gazetteer, clock)
    async with sessionmaker() as session:
        row = (await platform.unplaced(session, operation_id))[0]
        session.add(  # what a coordinator's "place by hand" writes
            Campaign(
                source=SOURCE,
                external_id=row.external_id,
                title=row.title,
                holder="Porteur 4",
                commune_insee="37261",
                lat=47.39,
                lon=0.69,
                goal_cents=200_000,
                starts_at=clock.now,
                ends_at=clock.now + timedelta(days=30),
                operation_id=operation_id,
            )
        )
        await session.commit()

    clock.now += timedelta(minutes=15)
    report = await run_sync(sessionmaker, operation_id, settings, gazetteer, clock)
    assert (report.created, report.unplaced) == (0, 0)
    async with sessionmaker() as session:
        assert await platform.unplaced(session, operation_id) == []
        assert (await synced(session, "4")).raised_cents == 5_000


async def test_the_scheduler_job_syncs_the_operations_due(
    sessionmaker: async_sessionmaker[AsyncSession],
    fake: FakeUlule,
    gazetteer: Gazetteer,
    clock: SkipClock,
) -> None:
    fake.add(project_doc(1), user=42)
    fake.add(project_doc(2), user=43)
    first = await add_operation(sessionmaker, "users/42")
    second = await add_operation(sessionmaker, "users/43")
    await add_operation(sessionmaker, None)  # no sync source: never read
    settings = sync_settings(fake)
    woken: list[bool] = []

    def wake() -> None:
        woken.append(True)

    reports = await platform_sync(sessionmaker, settings, gazetteer, clock, wake)
    assert sorted(r.operation_id for r in reports) == [first, second]
    assert woken == [True]
    clock.now += timedelta(minutes=10)
    assert await platform_sync(sessionmaker, settings, gazetteer, clock, wake) == []
    clock.now += timedelta(minutes=5)
    again = await platform_sync(sessionmaker, settings, gazetteer, clock, wake)
    assert len(again) == 2, "every SYNC_MINUTES (15) per operation"
    assert len(fake.requests) == 4

    scheduler = Scheduler(settings, sessionmaker, wake, clock, gazetteer=gazetteer)
    scheduler.add_jobs()
    assert "platform_sync" in scheduler.job_ids()
    assert "platform_sync" not in Scheduler(settings, sessionmaker, wake).job_ids()


async def test_an_unreadable_sync_source_is_an_error_on_the_operation(
    sessionmaker: async_sessionmaker[AsyncSession],
    fake: FakeUlule,
    gazetteer: Gazetteer,
    clock: SkipClock,
) -> None:
    operation_id = await add_operation(sessionmaker, "projects/12")
    report = await run_sync(sessionmaker, operation_id, sync_settings(fake), gazetteer, clock)
    assert report.error == "not a Ulule listing: 'projects/12'"
    assert fake.requests == []
    async with sessionmaker() as session:
        operation = await session.get(Operation, operation_id)
        assert operation is not None and operation.sync_error == report.error
        assert await session.scalar(select(UnplacedProject)) is None


def test_settings_read_the_platforms_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ULULE_USERNAME", "touraine")
    monkeypatch.setenv("ULULE_API_KEY", "s3cret")
    monkeypatch.setenv("SYNC_MINUTES", "30")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (settings.ulule_username, settings.ulule_api_key) == ("touraine", "s3cret")
    assert settings.sync_minutes == 30
    assert settings.ulule_api_url == "https://api.ulule.com/v1/"


async def test_an_operation_is_synced_by_one_process_at_a_time(
    sessionmaker: async_sessionmaker[AsyncSession], clock: SkipClock
) -> None:
    operation_id = await add_operation(sessionmaker)
    before = clock.now - timedelta(minutes=15)
    async with sessionmaker() as first, sessionmaker() as second:
        assert await platform.claim(first, operation_id, before, clock.now)
        await first.commit()
        assert not await platform.claim(second, operation_id, before, clock.now)
    later = clock.now + timedelta(minutes=15)
    async with sessionmaker() as third:
        assert await platform.claim(third, operation_id, later - timedelta(minutes=15), later)
