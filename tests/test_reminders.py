"""An operation's automatic reminders with controlled time: 7 days and 1 day before its call
closes and on launch day, each sent once to the consenting residents of its territory, none
when its coordinator turned it off; listed on the announcements screen."""

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.gazetteer import Gazetteer
from storage.models import Priority
from tests.announcement_helpers import (
    COORDINATOR,
    INSIDE_YES,
    INSIDE_YES_EN,
    OUTSIDE_YES,
    REACHED,
    rows_of,
    run_job,
    seed,
)
from tests.delivery_helpers import SkipClock, make_worker
from tests.e2e import Harness
from tests.factories import add_campaigns, campaign
from tests.operations_helpers import LAUNCH

WEEK_BEFORE = datetime(2027, 1, 24, 9, 0, tzinfo=UTC)  # 24 Jan, 10:00 in Paris
DAY_BEFORE = datetime(2027, 1, 30, 9, 0, tzinfo=UTC)
LAUNCH_DAY = datetime(2027, 2, 5, 9, 0, tzinfo=UTC)


async def deliver(harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    worker = make_worker(
        harness.bot, sessionmaker, harness.i18n, harness.settings, SkipClock(harness.clock.now)
    )
    await worker.run(until_empty=True)


async def test_reminders_fire_once_and_not_when_turned_off(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession], gazetteer: Gazetteer
) -> None:
    loire, _oze = await seed(harness, sessionmaker, gazetteer)
    await add_campaigns(
        sessionmaker,
        *(campaign(LAUNCH, operation_id=loire, starts_at=LAUNCH) for _ in range(3)),
        campaign(LAUNCH, operation_id=loire, cancelled_at=LAUNCH),  # not counted
    )
    resident, english = harness.chat(INSIDE_YES, "fr"), harness.chat(INSIDE_YES_EN, "en")

    # A week before the call closes: once, to the consenting residents of each territory
    # (Ozé, in the Manche, has the same dates).
    assert await run_job(harness, sessionmaker, gazetteer, WEEK_BEFORE - timedelta(minutes=1)) == 0
    assert await run_job(harness, sessionmaker, gazetteer, WEEK_BEFORE) == 2
    assert await run_job(harness, sessionmaker, gazetteer, WEEK_BEFORE + timedelta(hours=1)) == 0
    rows = await rows_of(sessionmaker, "reminder")
    loire_name = "Make in Loire Valley"
    assert [(r.user_id, r.content["name"]) for r in rows] == [
        *((user_id, loire_name) for user_id in REACHED),
        (OUTSIDE_YES, "Ozé"),
    ]
    assert {r.priority for r in rows} == {Priority.BULK}
    await deliver(harness, sessionmaker)
    assert [m["text"] for m in resident.messages] == [
        resident.t("reminder.call_7d", name="Make in Loire Valley", date="31 janv. 2027")
    ]
    assert [m["text"] for m in english.messages] == [
        english.t("reminder.call_7d", name="Make in Loire Valley", date="Jan 31, 2027")
    ]

    # The coordinator turns the day-before reminder off on the announcements screen.
    coordinator = harness.chat(COORDINATOR, "fr")
    harness.clock.now = WEEK_BEFORE + timedelta(days=1)
    [screen] = await coordinator.send("/announce")
    sent = coordinator.t("announce.reminder.sent", n=2, count=2)
    assert sent in screen["text"]
    what = coordinator.t("announce.reminder.call_1d")
    await coordinator.press(screen, coordinator.t("announce.reminder.turn_off", what=what))
    redrawn = coordinator.message(screen["message_id"])["text"]
    assert f"{what} ({coordinator.t('announce.reminder.off')})" in redrawn
    assert await run_job(harness, sessionmaker, gazetteer, DAY_BEFORE) == 1  # Ozé's only
    assert await run_job(harness, sessionmaker, gazetteer, DAY_BEFORE + timedelta(hours=5)) == 0
    assert [r.user_id for r in await rows_of(sessionmaker, "reminder")].count(INSIDE_YES) == 1

    # Launch day: the operation's projects (its cancelled one left out), and /nearby.
    assert await run_job(harness, sessionmaker, gazetteer, LAUNCH_DAY) == 2
    assert await run_job(harness, sessionmaker, gazetteer, LAUNCH_DAY + timedelta(hours=2)) == 0
    await deliver(harness, sessionmaker)
    launch = resident.t("reminder.launch", n=3, name="Make in Loire Valley", count=3)
    assert resident.messages[-1]["text"] == launch + "\n" + resident.t("reminder.nearby")
    assert len(resident.messages) == 2
    assert len(await rows_of(sessionmaker, "reminder")) == 3 + 1 + 3
