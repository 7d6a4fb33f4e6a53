"""An operation's automatic reminders with controlled time: 7 days and 1 day before its call
closes and on launch day, each sent once to the consenting residents of its territory, none
when its coordinator turned it off; listed on the announcements screen."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.gazetteer import Gazetteer
from bot.ui.callbacks import NearbyOpen
from bot.ui.notifications import Reader
from bot.ui.reminder_texts import launch_markup
from storage.models import Priority
from tests.announcement_helpers import (
    COORDINATOR,
    INSIDE_YES,
    INSIDE_YES_EN,
    ORLEANS,
    OUTSIDE_YES,
    REACHED,
    TOURS,
    rows_of,
    run_job,
    seed,
)
from tests.delivery_helpers import SkipClock, make_worker
from tests.e2e import Harness, button_labels
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

    # Launch day: none of the projects is near the resident (all in Saint-Lô), so the
    # operation's (its cancelled one left out); the button opens their nearby list.
    assert await run_job(harness, sessionmaker, gazetteer, LAUNCH_DAY) == 2
    assert await run_job(harness, sessionmaker, gazetteer, LAUNCH_DAY + timedelta(hours=2)) == 0
    await deliver(harness, sessionmaker)
    launch = resident.t("reminder.launch", n=3, name="Make in Loire Valley", count=3)
    assert resident.messages[-1]["text"] == launch
    assert button_labels(resident.messages[-1]) == [resident.t("reminder.nearby_button")]
    assert len(resident.messages) == 2
    assert len(await rows_of(sessionmaker, "reminder")) == 3 + 1 + 3


async def test_launch_reminder_counts_the_projects_near_each_resident_and_opens_the_list(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession], gazetteer: Gazetteer
) -> None:
    loire, _oze = await seed(harness, sessionmaker, gazetteer)
    tours, orleans = gazetteer.by_insee(TOURS), gazetteer.by_insee(ORLEANS)
    assert tours is not None and orleans is not None
    at_tours = {"commune_insee": TOURS, "lat": tours.lat, "lon": tours.lon}
    at_orleans = {"commune_insee": ORLEANS, "lat": orleans.lat, "lon": orleans.lon}
    await add_campaigns(
        sessionmaker,
        campaign(
            LAUNCH, operation_id=loire, starts_at=LAUNCH, title="Atelier de Tours", **at_tours
        ),
        campaign(LAUNCH, operation_id=loire, starts_at=LAUNCH, **at_tours),
        campaign(LAUNCH, operation_id=loire, starts_at=LAUNCH, **at_orleans),
        campaign(LAUNCH, operation_id=loire, starts_at=LAUNCH),  # Saint-Lô: near nobody here
        campaign(LAUNCH, operation_id=loire, cancelled_at=LAUNCH, **at_tours),  # not counted
        campaign(LAUNCH, starts_at=LAUNCH, **at_tours),  # another operation's: not counted
    )
    resident, english = harness.chat(INSIDE_YES, "fr"), harness.chat(INSIDE_YES_EN, "en")

    assert await run_job(harness, sessionmaker, gazetteer, LAUNCH_DAY) == 2
    rows = {r.user_id: r.content for r in await rows_of(sessionmaker, "reminder")}
    assert (rows[INSIDE_YES]["near"], rows[INSIDE_YES_EN]["near"]) == (2, 1)
    await deliver(harness, sessionmaker)

    # Tours (25 km): its two projects; Orléans, about 110 km away: its one, in English.
    name = "Make in Loire Valley"
    [message] = resident.messages
    assert message["text"] == resident.t("reminder.launch_near", n=2, name=name, count=2)
    assert [m["text"] for m in english.messages] == [
        english.t("reminder.launch_near", n=1, name=name, count=1)
    ]
    assert button_labels(english.messages[0]) == [english.t("reminder.nearby_button")]

    # The button sends the resident's nearby list below the reminder, which stays as it was.
    [listed] = await resident.press(message, resident.t("reminder.nearby_button"))
    assert "Atelier de Tours" in listed["text"]
    assert resident.message(message["message_id"])["text"] == message["text"]
    [typed] = await resident.send("/nearby")
    assert (listed["text"], listed.get("reply_markup")) == (
        typed["text"],
        typed.get("reply_markup"),
    )


def test_the_nearby_button_goes_on_a_message_holding_a_launch_reminder(harness: Harness) -> None:
    reader = Reader("fr", harness.settings.timezone, harness.i18n)
    deadline = SimpleNamespace(kind="deadline", content={"campaign": 1})
    launch = SimpleNamespace(kind="reminder", content={"which": "launch"})
    week = SimpleNamespace(kind="reminder", content={"which": "call_7d"})
    grouped = launch_markup([deadline, launch], reader)
    assert grouped is not None
    [[button]] = grouped["inline_keyboard"]
    assert button == {
        "text": harness.t("reminder.nearby_button"),
        "callback_data": NearbyOpen().pack(),
    }
    assert launch_markup([deadline, week], reader) is None
