"""Demo data: the Saint-Lô projects of the Ozé report and a Touraine wave, placed around `now`."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.domain import clock
from bot.domain.campaigns import Status, status_at
from bot.domain.gazetteer import Gazetteer
from bot.imports.demo import SOURCE, demo_rows, load_demo
from bot.imports.importer import COLUMNS, ImportReport
from bot.ui import formatting
from storage.models import Campaign, Category, Reward

NOWS = [
    datetime(2026, 3, 29, 0, 30, tzinfo=UTC),  # the night Paris moves to summer time
    datetime(2026, 12, 31, 23, 30, tzinfo=UTC),  # already New Year's Day in Paris
    datetime.now(UTC),
]


async def demo_campaigns(session: AsyncSession) -> dict[str, Campaign]:
    query = (
        select(Campaign)
        .where(Campaign.source == SOURCE)
        .options(selectinload(Campaign.rewards))
        .execution_options(populate_existing=True)
    )
    return {c.title: c for c in await session.scalars(query)}


def test_demo_rows_are_in_the_import_format() -> None:
    rows = demo_rows(NOWS[0], "Europe/Paris")

    assert 14 <= len(rows) <= 16
    assert all(set(row) <= set(COLUMNS) for row in rows)
    assert len({row["external_id"] for row in rows}) == len(rows)


@pytest.mark.parametrize("now", NOWS)
async def test_load_demo_creates_the_saint_lo_projects(
    session: AsyncSession, gazetteer: Gazetteer, now: datetime
) -> None:
    report = await load_demo(session, gazetteer, now, "Europe/Paris")
    await session.commit()

    assert report == ImportReport(
        created=len(demo_rows(now, "Europe/Paris")), updated=0, rejected=0
    )
    found = await demo_campaigns(session)
    saint_lo = {c.holder: c for c in found.values() if c.commune_insee == "50502"}
    exp3d = saint_lo["Grégory Jamard"]
    cocotte = saint_lo["Camille Lecarpentier"]
    album = saint_lo["Yannick Hervé"]
    assert len(saint_lo) == 3

    assert exp3d.title.startswith("Exp3D")
    assert (exp3d.goal_cents, exp3d.raised_cents, exp3d.category) == (200_000, 385_000, "business")
    assert formatting.percent(exp3d.raised_cents, exp3d.goal_cents) == 192
    assert status_at(exp3d.starts_at, exp3d.ends_at, now) is Status.LIVE
    assert 1 <= clock.days_between(now, exp3d.ends_at, "Europe/Paris") <= 5

    assert cocotte.title.startswith("Cocotte Minute")
    assert (cocotte.raised_cents, cocotte.category) == (290_000, "business")
    assert cocotte.raised_cents >= cocotte.goal_cents
    assert status_at(cocotte.starts_at, cocotte.ends_at, now) is Status.ENDED
    assert (now - cocotte.ends_at).days < 14
    assert "Atelier tricot" in [reward.title for reward in cocotte.rewards]

    assert (album.title, album.category, album.goal_cents) == (
        "Le rythme des maux",
        "culture",
        500_000,
    )
    assert 30 <= formatting.percent(album.raised_cents, album.goal_cents) <= 36
    assert clock.days_between(now, album.ends_at, "Europe/Paris") == 7


@pytest.mark.parametrize("now", NOWS)
async def test_demo_has_live_upcoming_and_ended_touraine_projects(
    session: AsyncSession, gazetteer: Gazetteer, now: datetime
) -> None:
    await load_demo(session, gazetteer, now, "Europe/Paris")
    await session.commit()

    campaigns = list((await demo_campaigns(session)).values())
    touraine = [c for c in campaigns if (c.commune_insee or "").startswith("37")]
    statuses = [status_at(c.starts_at, c.ends_at, now) for c in touraine]
    assert 10 <= len(touraine) <= 14
    assert statuses.count(Status.LIVE) >= 3
    assert statuses.count(Status.UPCOMING) >= 2
    ended = [c for c, s in zip(touraine, statuses, strict=True) if s is Status.ENDED]
    assert {c.raised_cents >= c.goal_cents for c in ended} == {True, False}
    # Most of the wave shares one launch day; the coming wave opens in 3 days.
    launches = [clock.to_local(c.starts_at, "Europe/Paris").date() for c in touraine]
    assert max(launches.count(day) for day in launches) >= len(touraine) // 3
    upcoming = [c for c, s in zip(touraine, statuses, strict=True) if s is Status.UPCOMING]
    assert {clock.days_between(now, c.starts_at, "Europe/Paris") for c in upcoming} == {3}
    assert {c.category for c in touraine} >= {category.value for category in Category} - {"other"}
    assert all(150_000 <= c.goal_cents <= 2_000_000 for c in touraine)
    assert all(c.rewards and c.description and c.url for c in campaigns)
    assert all("make in loire valley" in c.search_text for c in touraine)


async def test_loading_the_demo_twice_updates_it(
    session: AsyncSession, gazetteer: Gazetteer
) -> None:
    first = await load_demo(session, gazetteer, NOWS[0], "Europe/Paris")
    await session.commit()
    rewards = await session.scalar(select(func.count()).select_from(Reward))

    second = await load_demo(session, gazetteer, NOWS[1], "Europe/Paris")
    await session.commit()

    assert second == ImportReport(created=0, updated=first.created, rejected=0)
    assert await session.scalar(select(func.count()).select_from(Campaign)) == first.created
    assert await session.scalar(select(func.count()).select_from(Reward)) == rewards
    exp3d = next(c for c in (await demo_campaigns(session)).values() if c.title.startswith("Exp3D"))
    assert status_at(exp3d.starts_at, exp3d.ends_at, NOWS[1]) is Status.LIVE
