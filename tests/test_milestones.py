"""Milestones: detected by record_progress, queued once per follower, only the highest crossed."""

from datetime import UTC, datetime, timedelta

import pytest
from aiogram.utils.i18n import I18n
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.milestones import reached, to_alert
from bot.delivery.progress import record_progress
from bot.ui import formatting, notifications
from storage.models import Campaign, Follow, Outbox, User
from tests.factories import campaign

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("last", "old", "new", "expected"),
    [
        (0, 0, 80, 75),
        (0, 0, 24, None),
        (0, 10, 320, 300),
        (75, 80, 60, None),  # going down
        (75, 60, 80, None),  # back up: 75 % was already alerted
        (75, 80, 100, 100),
        (0, 80, 82, None),  # figures from before milestones were tracked
        (100, 100, 149, None),
        (100, 120, 150, 150),
    ],
)
def test_the_milestone_to_alert(last: int, old: int, new: int, expected: int | None) -> None:
    assert to_alert(last, old, new) == expected


def test_reached() -> None:
    assert [reached(p) for p in (0, 24, 25, 99, 100, 299, 300, 1000)] == [
        0, 0, 25, 75, 100, 200, 300, 300,
    ]  # fmt: skip


async def live_campaign(session: AsyncSession, **values: object) -> Campaign:
    item = campaign(NOW, goal_cents=100_000, raised_cents=0, backers=0, **values)
    session.add(item)
    await session.flush()
    return item


async def followers(session: AsyncSession, item: Campaign, *users: User) -> None:
    session.add_all(users)
    await session.flush()
    session.add_all(Follow(user_id=user.id, campaign_id=item.id) for user in users)
    await session.flush()


async def outbox(session: AsyncSession) -> list[Outbox]:
    return list(await session.scalars(select(Outbox).order_by(Outbox.user_id, Outbox.id)))


async def test_crossing_several_milestones_queues_only_the_highest(session: AsyncSession) -> None:
    item = await live_campaign(session)
    await followers(session, item, User(id=1), User(id=2))
    await record_progress(session, item, 80_000, 12, NOW, "Europe/Paris")
    rows = await outbox(session)
    assert [(r.user_id, r.kind, r.dedup_key, r.status) for r in rows] == [
        (1, "milestone", f"milestone:75:{item.id}:1", "pending"),
        (2, "milestone", f"milestone:75:{item.id}:2", "pending"),
    ]
    assert item.last_milestone == 75
    assert rows[0].content["milestone"] == 75
    assert (rows[0].due_at, rows[0].not_before) == (NOW, NOW)


async def test_going_down_and_up_again_does_not_alert_twice(session: AsyncSession) -> None:
    item = await live_campaign(session)
    await followers(session, item, User(id=1))
    for raised in (30_000, 20_000, 30_000, 26_000, 55_000, 50_000, 100_000):
        await record_progress(session, item, raised, 5, NOW, "Europe/Paris")
    keys = [row.dedup_key.split(":")[1] for row in await outbox(session)]
    assert keys == ["25", "50", "100"]
    assert (item.raised_cents, item.backers, item.last_milestone) == (100_000, 5, 100)


async def test_toggles_and_blocked_users(session: AsyncSession) -> None:
    item = await live_campaign(session)
    await followers(
        session,
        item,
        User(id=1),
        User(id=2, notify_milestones=False),
        User(id=3, blocked_at=NOW - timedelta(days=2)),
    )
    await record_progress(session, item, 50_000, 5, NOW, "Europe/Paris")
    assert [(r.user_id, r.status) for r in await outbox(session)] == [
        (1, "pending"),
        (2, "skipped"),
        (3, "blocked"),
    ]


async def test_quiet_hours_delay_a_milestone_alert(session: AsyncSession) -> None:
    night = datetime(2026, 11, 23, 22, 30, tzinfo=UTC)  # 23:30 in Paris
    item = await live_campaign(session)
    await followers(session, item, User(id=1), User(id=2, quiet_hours=False))
    await record_progress(session, item, 25_000, 5, night, "Europe/Paris")
    not_before = {row.user_id: row.not_before for row in await outbox(session)}
    assert not_before == {1: datetime(2026, 11, 24, 7, 0, tzinfo=UTC), 2: night}


async def test_campaigns_that_are_not_live_record_but_do_not_alert(session: AsyncSession) -> None:
    item = await live_campaign(session, ends_at=NOW - timedelta(days=1))
    await followers(session, item, User(id=1))
    await record_progress(session, item, 100_000, 5, NOW, "Europe/Paris")
    assert await outbox(session) == []
    assert item.last_milestone == 100


async def test_the_milestone_text(session: AsyncSession, i18n: I18n) -> None:
    item = await live_campaign(session, title="Café & co")
    await followers(session, item, User(id=1))
    await record_progress(session, item, 151_000, 5, NOW, "Europe/Paris")
    [row] = await outbox(session)
    notifications.load_kinds()  # as the delivery worker does before it renders anything
    text = notifications.render_item(row, notifications.Reader("fr", "Europe/Paris", i18n))
    head = i18n.gettext("alert.milestone", locale="fr").format(
        title="Café &amp; co",
        milestone=formatting.percent_text(150, "fr"),
        raised=formatting.money(151_000, "fr"),
        goal=formatting.money(100_000, "fr"),
    )
    link = i18n.gettext("alert.open", locale="fr").format(id=item.id)
    assert text == f"{head}\n{link}"
