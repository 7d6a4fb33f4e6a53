""" "New campaigns near me": two campaigns that start the same day within a resident's radius
reach them as one message, once; followers, residents who did not turn it on and those too far
get nothing of them."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.operation_jobs import new_nearby_tick
from bot.ui import formatting
from storage.models import Follow, Outbox, Priority, User
from tests.delivery_helpers import SkipClock, make_worker
from tests.e2e import Chat, Harness
from tests.factories import SAINT_LO, TOURS, add_campaigns, campaign

TZ = "Europe/Paris"
EVE = datetime(2027, 3, 9, 22, 0, tzinfo=UTC)  # 23:00 in Paris, the day before
MORNING = datetime(2027, 3, 10, 7, 5, tzinfo=UTC)  # 08:05 in Paris
SENT_AT = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)  # 10:00 in Paris: the day's message
WANTS, FOLLOWS, NOT_ON, FAR, SMALL_RADIUS = 901, 902, 903, 904, 905


async def residents(harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    now = harness.clock.now
    base = {"language_code": "fr", "created_at": now, "updated_at": now, "radius_km": 25}
    saint_lo = {"lat": SAINT_LO[0], "lon": SAINT_LO[1], "commune_insee": "50502"}
    rows = [
        {"id": WANTS, "notify_new_nearby": True, **saint_lo},
        {"id": FOLLOWS, "notify_new_nearby": True, **saint_lo},
        {"id": NOT_ON, "notify_new_nearby": False, **saint_lo},
        {"id": FAR, "notify_new_nearby": True, "lat": TOURS[0], "lon": TOURS[1]},
        # 20 km from the campaigns, looking 5 km around.
        {"id": SMALL_RADIUS, "notify_new_nearby": True, "lat": 49.30, "lon": -1.08, "radius_km": 5},
    ]
    async with sessionmaker() as session:
        await session.execute(insert(User), [base | row for row in rows])
        await session.commit()


def item(chat: Chat, title: str, km: float, ends_at: datetime, campaign_id: int) -> str:
    head = chat.t(
        "new_nearby.item",
        title=title,
        distance=formatting.distance(km, "fr"),
        goal=formatting.money(200_000, "fr"),
        date=formatting.date(ends_at, "fr", TZ),
    )
    return head + "\n" + chat.t("alert.open", id=campaign_id)


async def test_two_campaigns_starting_the_same_day_come_as_one_message(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    harness.clock.now = EVE
    await residents(harness, sessionmaker)
    ends = datetime(2027, 4, 10, 21, 0, tzinfo=UTC)
    near = {"lat": SAINT_LO[0], "lon": SAINT_LO[1], "ends_at": ends}
    knit, band, tours, running = await add_campaigns(
        sessionmaker,
        campaign(EVE, title="Tricot", starts_at=datetime(2027, 3, 9, 23, 0, tzinfo=UTC), **near),
        campaign(EVE, title="Fanfare", starts_at=datetime(2027, 3, 10, 6, 30, tzinfo=UTC), **near),
        campaign(
            EVE, title="Tourangeau", lat=TOURS[0], lon=TOURS[1], ends_at=ends,
            starts_at=datetime(2027, 3, 10, 6, 0, tzinfo=UTC),
        ),
        campaign(EVE, title="Déjà lancé", starts_at=EVE - timedelta(days=3), **near),
    )  # fmt: skip
    async with sessionmaker() as session:
        session.add(Follow(user_id=FOLLOWS, campaign_id=knit, created_at=EVE))
        await session.commit()

    clock = SkipClock(EVE)
    assert await new_nearby_tick(sessionmaker, harness.settings, clock) == 0  # none started
    clock.now = MORNING
    assert await new_nearby_tick(sessionmaker, harness.settings, clock) == 4
    clock.now = MORNING + timedelta(minutes=5)
    assert await new_nearby_tick(sessionmaker, harness.settings, clock) == 0
    async with sessionmaker() as session:
        rows = (await session.scalars(select(Outbox).order_by(Outbox.id))).all()
    assert sorted((r.user_id, r.campaign_id) for r in rows) == sorted(
        [(WANTS, knit), (WANTS, band), (FOLLOWS, band), (FAR, tours)]
    )
    assert {(r.kind, r.priority, r.not_before) for r in rows} == {
        ("new_nearby", Priority.BULK, SENT_AT)
    }

    worker = make_worker(harness.bot, sessionmaker, harness.i18n, harness.settings, clock)
    await worker.run(until_empty=True)
    wants, follows = harness.chat(WANTS, "fr"), harness.chat(FOLLOWS, "fr")
    [message] = wants.messages
    text = message["text"]
    assert text.startswith(wants.t("notify.group_header", count=2))
    assert item(wants, "Tricot", 0.0, ends, knit) in text
    assert item(wants, "Fanfare", 0.0, ends, band) in text
    assert [m["text"] for m in follows.messages] == [item(follows, "Fanfare", 0.0, ends, band)]
    assert len(harness.chat(FAR, "fr").messages) == 1
    assert harness.chat(NOT_ON, "fr").messages == []
    assert harness.chat(SMALL_RADIUS, "fr").messages == []
    assert running not in {r.campaign_id for r in rows}
