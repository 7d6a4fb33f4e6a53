"""The progress history: an import's new campaigns start it, a change of figures (import or
holder) adds a point, the same figures add none; the card's facts read it back."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.progress import record_progress
from bot.domain.gazetteer import Gazetteer
from bot.domain.news_limit import next_allowed
from bot.imports.importer import import_records, read_records
from storage.models import Broadcast, Campaign, ProgressPoint
from storage.repo import news, progress
from tests.test_importer import csv_text, row, write

T0 = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)  # Exp3D is live from 29 March to 30 April


async def import_at(
    session: AsyncSession, gazetteer: Gazetteer, tmp_path: Path, at: datetime, **changes: str
) -> Campaign:
    path = write(tmp_path, f"{at.timestamp()}.csv", csv_text([row(**changes)]))
    await import_records(
        session, read_records(path), "test.csv", gazetteer, tz="Europe/Paris", now=at
    )
    await session.commit()
    found = await session.scalar(select(Campaign).where(Campaign.external_id == "exp3d"))
    assert found is not None
    return found


async def history(session: AsyncSession, campaign_id: int) -> list[tuple[datetime, int, int, str]]:
    points = await progress.history(session, campaign_id)
    return [(p.at, p.raised_cents, p.backers, p.source) for p in points]


async def test_imports_keep_each_change(
    session: AsyncSession, gazetteer: Gazetteer, tmp_path: Path
) -> None:
    item = await import_at(session, gazetteer, tmp_path, T0)
    assert await history(session, item.id) == [(T0, 385_000, 64, "import")]

    await import_at(session, gazetteer, tmp_path, T0 + timedelta(days=1))  # same figures
    assert len(await history(session, item.id)) == 1

    later = T0 + timedelta(days=2)
    await import_at(session, gazetteer, tmp_path, later, backers="70")
    assert (await history(session, item.id))[-1] == (later, 385_000, 70, "import")


async def test_holder_points_and_the_raised_amount_at_a_time(session: AsyncSession) -> None:
    item = Campaign(
        source="t", external_id="1", title="Exp3D", holder="G", lat=49.1, lon=-1.1,
        goal_cents=200_000, raised_cents=50_000, backers=10,
        starts_at=T0, ends_at=T0 + timedelta(days=30),
    )  # fmt: skip
    session.add(item)
    await session.flush()
    for day, raised in ((1, 60_000), (3, 110_000), (9, 115_000)):
        milestone = await record_progress(
            session, item, raised, 10, T0 + timedelta(days=day), "Europe/Paris",
            source="holder", by_user=42,
        )  # fmt: skip
        assert milestone == (50 if day == 3 else None)
    await session.commit()
    assert [p[3] for p in await history(session, item.id)] == ["holder"] * 3
    by = await session.scalars(
        select(ProgressPoint.by_user).where(ProgressPoint.campaign_id == item.id)
    )
    assert set(by) == {42}

    assert await progress.raised_at(session, item.id, T0) is None
    assert await progress.raised_at(session, item.id, T0 + timedelta(days=2)) == 60_000
    assert await progress.raised_at(session, item.id, T0 + timedelta(days=3)) == 110_000

    now = T0 + timedelta(days=10)
    card = await news.card(session, item.id, now, now - timedelta(days=7))
    assert card is not None and card[0].id == item.id
    facts = card[1]
    assert (facts.raised_week_ago, facts.news_text, facts.news_at) == (110_000, None, None)
    session.add(Broadcast(kind="news", campaign_id=item.id, text="<b>Hi</b>", created_at=now))
    await session.commit()
    card = await news.card(session, item.id, now, now - timedelta(days=7))
    assert card is not None and (card[1].news_text, card[1].news_at) == ("<b>Hi</b>", now)
    assert await news.card(session, item.id + 1000, now, now) is None
    assert await news.published(session, item.id, now)
    assert not await news.published(session, item.id, now - timedelta(seconds=1))


def test_next_news_allowed() -> None:
    now = T0
    posted = [now - timedelta(hours=h) for h in (30, 20, 10, 1)]
    assert next_allowed(posted, now, 3) == now + timedelta(hours=4)
    assert next_allowed(posted, now, 4) is None
    assert next_allowed(posted[-2:], now, 3) is None
    assert next_allowed(posted, now, 1) == now + timedelta(hours=23)
