"""The platform sync end to end: a resident follows a synced campaign through the bot, the sync
(against the local fake of Ulule's API) changes it, the delivery worker sends the alerts through
the fake Bot API, and the card says what the platform's state is."""

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.devtools.fakeulule import ERROR, TIMEOUT, FakeUlule, project_doc
from bot.domain.gazetteer import Gazetteer
from bot.settings import Settings
from bot.ui import formatting
from tests.delivery_helpers import SkipClock, make_worker
from tests.e2e import Chat, Harness
from tests.sync_helpers import add_operation, run_sync, sync_settings, synced
from tests.test_alerts_e2e import follow_first

MANCHE = (("department", "50"),)


@pytest.fixture
async def fake() -> AsyncIterator[FakeUlule]:
    async with FakeUlule(delay=1.0) as server:
        server.add(
            project_doc(1, name="Exp3D", city="Saint-Lô", goal=2000, raised=400, supporters=9),
            user=42,
        )
        yield server


class Platform:
    """The operation synced from the fake, on the harness's clock."""

    def __init__(
        self,
        harness: Harness,
        sessionmaker: async_sessionmaker[AsyncSession],
        gazetteer: Gazetteer,
        settings: Settings,
        operation_id: int,
    ) -> None:
        self.h, self.sessionmaker, self.gazetteer = harness, sessionmaker, gazetteer
        self.settings, self.operation_id = settings, operation_id

    async def sync(self, minutes_later: int = 15) -> str | None:
        """A sync `minutes_later` than the last; its error, if any."""
        self.h.clock.now += timedelta(minutes=minutes_later)
        report = await run_sync(
            self.sessionmaker, self.operation_id, self.settings, self.gazetteer, self.h.clock
        )
        return report.error

    async def deliver(self) -> None:
        clock = SkipClock(self.h.clock.now)
        worker = make_worker(self.h.bot, self.sessionmaker, self.h.i18n, self.h.settings, clock)
        await worker.recover()
        await worker.run(until_empty=True)

    async def campaign_id(self) -> int:
        async with self.sessionmaker() as session:
            return (await synced(session, "1")).id


@pytest.fixture
async def platform(
    harness: Harness,
    sessionmaker: async_sessionmaker[AsyncSession],
    gazetteer: Gazetteer,
    fake: FakeUlule,
) -> Platform:
    operation_id = await add_operation(sessionmaker, areas=MANCHE, name="Ozé")
    synced_from = Platform(harness, sessionmaker, gazetteer, sync_settings(fake), operation_id)
    assert await synced_from.sync(0) is None
    return synced_from


async def card(chat: Chat, campaign_id: int) -> str:
    """The card as a resident opens it from its link (after a greeting, before the question
    of where they live, for a resident the bot does not know yet)."""
    messages = await chat.send(f"/start p_{campaign_id}")
    (text,) = [str(m["text"]) for m in messages if str(m["text"]).startswith("Exp3D")]
    return text


async def test_a_sync_past_50_percent_alerts_the_follower_once(
    harness: Harness, platform: Platform, fake: FakeUlule
) -> None:
    chat = harness.chat(7001)
    await follow_first(chat)  # Exp3D, 20 % of 2 000 €, found near Saint-Lô
    before = len(chat.messages)

    fake.update(1, amount_raised=1100, supporters_count=25)
    assert await platform.sync() is None
    await platform.deliver()
    assert await platform.sync() is None  # the same figures again
    await platform.deliver()

    messages = chat.messages[before:]
    assert len(messages) == 1
    assert (
        chat.t(
            "alert.milestone",
            title="Exp3D",
            milestone="50\xa0%",
            raised=formatting.money(110_000, "fr"),
            goal=formatting.money(200_000, "fr"),
        )
        in messages[0]["text"]
    )


async def test_the_platform_down_for_an_hour_then_back(
    harness: Harness, platform: Platform, fake: FakeUlule
) -> None:
    chat = harness.chat(7002)
    campaign_id = await platform.campaign_id()
    fake.update(1, amount_raised=500)
    raised_before = chat.t(
        "card.raised", raised=formatting.money(40_000, "fr"), goal=formatting.money(200_000, "fr")
    )

    fake.fail(ERROR)
    assert await platform.sync() == "HTTP 500"
    text = await card(chat, campaign_id)
    assert raised_before in text
    assert "🕓" not in text, "one missed sync says nothing"

    fake.fail(TIMEOUT)
    for _ in range(3):
        assert await platform.sync() == "timeout after 0.3 s"
    text = await card(chat, campaign_id)  # an hour after the last good figures
    assert raised_before in text
    assert chat.t("card.figures_minutes", n=60, count=60) in text

    fake.recover()
    assert await platform.sync() is None
    text = await card(chat, campaign_id)
    assert (
        chat.t(
            "card.raised",
            raised=formatting.money(50_000, "fr"),
            goal=formatting.money(200_000, "fr"),
        )
        in text
    )
    assert "🕓" not in text


async def test_a_cancelled_campaign_is_told_once_and_said_on_its_card(
    harness: Harness,
    platform: Platform,
    fake: FakeUlule,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    chat = harness.chat(7003, "en")
    await follow_first(chat)
    before = len(chat.messages)

    fake.update(1, is_cancelled=True)
    for _ in range(2):
        assert await platform.sync() is None
        await platform.deliver()

    messages = chat.messages[before:]
    assert len(messages) == 1
    assert chat.t("alert.cancelled", title="Exp3D") in messages[0]["text"]
    assert chat.t("card.cancelled") in await card(chat, await platform.campaign_id())
    # Ended at its cancellation: no longer among the live campaigns near the resident.
    async with sessionmaker() as session:
        await harness.dp["read_models"].refresh(session)
    listing = (await chat.send("/nearby"))[-1]
    assert "Exp3D" not in listing["text"]
