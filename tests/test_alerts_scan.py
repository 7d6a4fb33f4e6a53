"""The alert scan on a real database: window, grace period, dedup, toggles, blocked users."""

import random
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery import alerts
from bot.domain.alert_times import timed_alerts
from bot.settings import Settings
from storage.models import Follow, JobState, Outbox, User
from tests.factories import campaign

PARIS = ZoneInfo("Europe/Paris")
SETTINGS = Settings(_env_file=None)  # type: ignore[call-arg]


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS).astimezone(UTC)  # type: ignore[misc]


LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)


async def follow(
    session: AsyncSession,
    campaign_id: int,
    *users: int,
    followed_at: datetime = LONG_AGO,
    **prefs: Any,
) -> None:
    for user_id in users:
        if await session.get(User, user_id) is None:
            session.add(User(id=user_id, **prefs))
        session.add(Follow(user_id=user_id, campaign_id=campaign_id, created_at=followed_at))
    await session.flush()


async def add(session: AsyncSession, now: datetime, **values: Any) -> int:
    item = campaign(now, **values)
    session.add(item)
    await session.flush()
    return item.id


async def rows(session: AsyncSession) -> list[Outbox]:
    return list(await session.scalars(select(Outbox).order_by(Outbox.dedup_key)))


async def scan(session: AsyncSession, now: datetime) -> alerts.ScanReport:
    return await alerts.scan(session, now=now, settings=SETTINGS)


async def test_seven_day_alerts_across_the_dst_change(session: AsyncSession) -> None:
    start = paris(2026, 10, 1, 12, 0)
    before = await add(session, start, starts_at=start, ends_at=paris(2026, 10, 31, 20, 0))
    after = await add(session, start, starts_at=start, ends_at=paris(2026, 11, 1, 20, 0))
    await follow(session, before, 1)
    await follow(session, after, 1)

    await scan(session, datetime(2026, 10, 24, 7, 59, tzinfo=UTC))
    assert await rows(session) == []
    await scan(session, datetime(2026, 10, 24, 8, 0, tzinfo=UTC))
    [first] = await rows(session)
    assert (first.dedup_key, first.due_at) == (f"deadline:7:{before}:1", paris(2026, 10, 24, 10))
    assert first.due_at == datetime(2026, 10, 24, 8, 0, tzinfo=UTC)
    assert first.not_before == first.due_at  # 10:00 is outside the default quiet hours

    await scan(session, datetime(2026, 10, 25, 8, 59, tzinfo=UTC))
    assert len(await rows(session)) == 1
    await scan(session, datetime(2026, 10, 25, 9, 1, tzinfo=UTC))
    second = (await rows(session))[1]
    assert second.dedup_key == f"deadline:7:{after}:1"
    assert second.due_at == datetime(2026, 10, 25, 9, 0, tzinfo=UTC)


async def test_quiet_hours_and_digest_set_not_before(session: AsyncSession) -> None:
    now = paris(2026, 11, 24, 23, 40)
    ends = paris(2026, 11, 24, 23, 30)  # the result is due in the quiet hours
    cid = await add(session, now, starts_at=now - timedelta(days=30), ends_at=ends)
    await follow(session, cid, 1)  # defaults: quiet hours 21:00-08:00
    await follow(session, cid, 2, quiet_hours=False)
    await follow(session, cid, 3, digest_hour=19)
    await scan(session, now)
    by_user = {row.user_id: row for row in await rows(session)}
    assert by_user[1].not_before == paris(2026, 11, 25, 8, 0)
    assert by_user[2].not_before == ends
    assert by_user[3].not_before == paris(2026, 11, 25, 19, 0)
    assert {row.due_at for row in by_user.values()} == {ends}
    assert {row.status for row in by_user.values()} == {"pending"}


async def test_after_a_downtime_old_alerts_are_missed_recent_ones_queued(
    session: AsyncSession,
) -> None:
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    old = await add(session, now, ends_at=now - timedelta(hours=10), starts_at=now - timedelta(30))
    recent = await add(
        session, now, ends_at=now - timedelta(hours=2), starts_at=now - timedelta(30)
    )
    await follow(session, old, 1, 2)
    await follow(session, recent, 1, 2)
    session.add(JobState(name="alert_scan", at=now - timedelta(days=1)))  # the bot was down
    report = await scan(session, now)
    results = [row for row in await rows(session) if row.kind == "result"]
    status = {(row.campaign_id, row.user_id): row.status for row in results}
    assert status == {
        (old, 1): "missed",
        (old, 2): "missed",
        (recent, 1): "pending",
        (recent, 2): "pending",
    }
    assert report.by_kind["result"] == 4
    assert (await session.get(JobState, "alert_scan")).at == now  # type: ignore[union-attr]


async def test_first_scan_looks_back_over_the_grace_period_only(session: AsyncSession) -> None:
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    ago = (now - timedelta(hours=7), now - timedelta(hours=5))
    for ends in ago:
        cid = await add(session, now, ends_at=ends, starts_at=now - timedelta(30))
        await follow(session, cid, 1)
    await scan(session, now)
    assert [row.due_at for row in await rows(session)] == [ago[1]]


async def test_each_alert_is_queued_once_even_when_windows_overlap(session: AsyncSession) -> None:
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    cid = await add(session, now, ends_at=now - timedelta(hours=1), starts_at=now - timedelta(30))
    await follow(session, cid, 1, 2)
    first = await scan(session, now)
    queued = [(row.kind, row.user_id) for row in await rows(session)]
    assert sorted(queued) == [("deadline", 1), ("deadline", 2), ("result", 1), ("result", 2)]
    state = await session.get(JobState, "alert_scan")
    assert state is not None
    state.at = now - timedelta(hours=3)  # e.g. a scan whose commit was lost
    again = await scan(session, now + timedelta(minutes=1))
    # The last-day alerts came due before the end but are found after it: missed, not sent.
    assert (first.queued, first.missed, again.queued, again.missed) == (2, 2, 0, 0)
    assert len(await rows(session)) == 4
    assert (await scan(session, now + timedelta(minutes=1))).queued == 0


async def test_toggles_blocked_users_and_non_followers(session: AsyncSession) -> None:
    now = paris(2026, 12, 3, 10, 5)
    cid = await add(
        session,
        now,
        starts_at=now - timedelta(days=20),
        ends_at=paris(2026, 12, 10, 20, 0),
        goal_cents=500_000,
        raised_cents=330_000,
    )
    await add(session, now, starts_at=now - timedelta(days=20), ends_at=paris(2026, 12, 10, 20))
    await follow(session, cid, 1)
    await follow(session, cid, 2, notify_deadlines=False)
    await follow(session, cid, 3, blocked_at=now - timedelta(days=1))
    await follow(session, cid, 4, notify_launches=False, notify_milestones=False)
    session.add(User(id=5))  # follows nothing
    report = await scan(session, now)
    found = {row.user_id: (row.kind, row.status) for row in await rows(session)}
    assert found == {
        1: ("deadline", "pending"),
        2: ("deadline", "skipped"),
        3: ("deadline", "blocked"),
        4: ("deadline", "pending"),
    }
    assert (report.queued, report.skipped) == (2, 2)
    content = (await rows(session))[0].content
    assert (content["which"], content["days"], content["raised_cents"]) == ("7", 7, 330_000)


async def test_launch_and_result_follow_the_launches_toggle(session: AsyncSession) -> None:
    now = paris(2026, 11, 24, 14, 1)
    starting = await add(
        session, now, starts_at=paris(2026, 11, 24, 14, 0), ends_at=now + timedelta(30)
    )
    ended = await add(
        session,
        now,
        starts_at=now - timedelta(30),
        ends_at=now - timedelta(hours=1),
        raised_cents=250_000,
        goal_cents=200_000,
    )
    for cid in (starting, ended):
        await follow(session, cid, 1)
        await follow(session, cid, 2, notify_launches=False)
    await scan(session, now)
    found = {(row.kind, row.user_id): row.status for row in await rows(session)}
    assert found == {
        ("launch", 1): "pending",
        ("launch", 2): "skipped",
        ("result", 1): "pending",
        ("result", 2): "skipped",
        ("deadline", 1): "missed",  # the ended one's last day, found after its end
        ("deadline", 2): "missed",
    }
    result = next(row for row in await rows(session) if row.kind == "result")
    assert result.content["funded"] is True
    assert result.dedup_key == f"result:{ended}:1"


async def test_scans_every_few_hours_find_exactly_the_alerts_due(session: AsyncSession) -> None:
    """The SQL prefilter misses nothing: around the DST change, with odd start and end hours."""
    rng = random.Random(5)
    first = paris(2026, 10, 20, 0, 0)
    items = []
    for _ in range(120):
        starts = first + timedelta(minutes=rng.randint(-3 * 1440, 12 * 1440))
        ends = starts + timedelta(minutes=rng.randint(60, 12 * 1440))
        items.append(campaign(first, starts_at=starts, ends_at=ends))
    session.add_all(items)
    await session.flush()
    for item in items:
        await follow(session, item.id, 1)
    session.add(JobState(name="alert_scan", at=first))
    now = first
    while now < first + timedelta(days=14):
        now += timedelta(minutes=rng.randint(1, 600))
        await scan(session, now)
    expected = {
        f"{alert.key}:1"
        for item in items
        for alert in timed_alerts(item, "Europe/Paris")
        if first < alert.due_at <= now
    }
    assert len(expected) > 200
    assert {row.dedup_key for row in await rows(session)} == expected


async def test_the_launch_alert_goes_out_at_the_start_to_those_who_followed_before_it(
    session: AsyncSession,
) -> None:
    """A campaign starting at 20:00: a resident who follows it at 10:00 that day hears of its
    launch at 20:00 (not "it starts today" at 09:00); one who follows it once live does not."""
    start = paris(2026, 11, 24, 20, 0)
    cid = await add(session, start, starts_at=start, ends_at=start + timedelta(days=30))
    session.add(JobState(name="alert_scan", at=paris(2026, 11, 24, 8, 0)))
    await follow(session, cid, 1, followed_at=paris(2026, 11, 24, 10, 0), quiet_hours=False)
    await scan(session, paris(2026, 11, 24, 19, 59))
    assert await rows(session) == []
    await follow(session, cid, 2, followed_at=paris(2026, 11, 24, 20, 1), quiet_hours=False)
    await scan(session, paris(2026, 11, 24, 20, 5))
    [launch] = await rows(session)
    assert (launch.kind, launch.user_id, launch.status) == ("launch", 1, "pending")
    assert launch.due_at == start and launch.not_before == start


async def test_a_catch_up_never_sends_a_last_day_alert_after_the_end(session: AsyncSession) -> None:
    """Down from 08:00 to 11:00 on the last day of a campaign that ended at 10:00: its last-day
    alert (due 09:00, within the grace period) is recorded missed, never sent; its result goes."""
    end = paris(2026, 11, 24, 10, 0)
    cid = await add(session, end, starts_at=end - timedelta(days=30), ends_at=end)
    await follow(session, cid, 1, quiet_hours=False)
    session.add(JobState(name="alert_scan", at=paris(2026, 11, 24, 8, 0)))
    await scan(session, paris(2026, 11, 24, 11, 0))
    found = {row.kind: (row.status, row.dedup_key) for row in await rows(session)}
    assert found == {
        "deadline": ("missed", f"deadline:0:{cid}:1"),
        "result": ("pending", f"result:{cid}:1"),
    }
