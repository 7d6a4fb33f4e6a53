"""One time zone: TIMEZONE reaches every date, day count, alert time and alert text.

Run with La Réunion's (UTC+4, no DST). A campaign ending on 1 December at 21:30 UTC ends on the
2nd there (on the 1st in Paris): every figure below differs between the two zones.
"""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from aiogram.utils.i18n import I18n
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.alerts import scan
from bot.domain.gazetteer import Gazetteer
from bot.ui import formatting
from storage.models import Outbox
from tests.delivery_helpers import SkipClock, make_worker
from tests.e2e import Harness, plain, start_harness
from tests.factories import SAINT_LO, add_campaigns, campaign

TZ = "Indian/Reunion"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # 14:00 in La Réunion
END = datetime(2026, 12, 1, 21, 30, tzinfo=UTC)  # 2 December, 01:30 in La Réunion


@pytest.fixture
async def reunion(db_url: str, gazetteer: Gazetteer, i18n: I18n) -> AsyncIterator[Harness]:
    harness, close = await start_harness(db_url, gazetteer, i18n, timezone=TZ)
    yield harness
    await close()


async def test_the_resident_journey_and_an_alert_on_reunion_time(
    reunion: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    harness = reunion
    harness.clock.now = NOW
    await add_campaigns(
        sessionmaker,
        campaign(NOW, title="Vanille", starts_at=NOW - timedelta(days=5), ends_at=END),
    )
    chat = harness.chat(4001)
    await chat.send("/start")
    await chat.location(*SAINT_LO)
    question = chat.last
    assert await chat.press(question, "25 km") == []  # the question becomes the list
    listing = chat.message(question["message_id"])
    # 9 days left on Réunion's calendar (23 Nov → 2 Dec); Paris would say 8.
    assert chat.t("time.days_left", n=9, days=9) in plain(listing["text"])
    await chat.press(listing, "1")
    card = plain(chat.message(listing["message_id"])["text"])
    assert formatting.date(END, "fr", TZ) in card and "2 déc. 2026" in card
    await chat.press(chat.message(listing["message_id"]), chat.t("card.follow"))

    # The 2-day alert is due at 10:00 two days before the end day on Réunion's clock: 30
    # November, 06:00 UTC (Paris's calendar would give 29 November, 09:00 UTC).
    due = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
    async with sessionmaker() as session:
        await scan(session, now=due + timedelta(minutes=1), settings=harness.settings)
        await session.commit()
        rows = (await session.scalars(select(Outbox).where(Outbox.kind == "deadline"))).all()
    assert [(r.dedup_key.split(":")[1], r.due_at) for r in rows] == [("2", due)]

    before = len(chat.messages)
    clock = SkipClock(due + timedelta(minutes=1))
    worker = make_worker(harness.bot, sessionmaker, harness.i18n, harness.settings, clock)
    await worker.run(until_empty=True)
    [alert] = chat.messages[before:]
    head = chat.t("alert.deadline.2", title="Vanille", date=formatting.date(END, "fr", TZ))
    assert head in plain(alert["text"]) and "2 déc. 2026" in head
