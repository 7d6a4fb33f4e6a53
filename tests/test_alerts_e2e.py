"""Alerts end to end: a resident follows through the bot, the scan and a progress change queue
alerts, the delivery worker sends them through the fake Bot API as one grouped message."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.alerts import scan
from bot.delivery.progress import record_progress
from bot.ui import formatting
from storage.models import Campaign, Outbox
from tests.delivery_helpers import SkipClock, make_worker
from tests.e2e import Chat, Harness, plain
from tests.factories import add_campaigns, campaign

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 10:00 in Paris


async def followed_exp3d(
    harness: Harness,
    sessionmaker: async_sessionmaker[AsyncSession],
    chat: Chat,
    raised_cents: int,
    ends_at: datetime,
) -> int:
    """Exp3D (goal 2 000 €), live since 20 days, followed by `chat` through the bot."""
    harness.clock.now = NOW
    (project,) = await add_campaigns(
        sessionmaker,
        campaign(
            NOW,
            title="Exp3D",
            goal_cents=200_000,
            raised_cents=raised_cents,
            starts_at=NOW - timedelta(days=20),
            ends_at=ends_at,
        ),
    )
    await follow_first(chat)
    return project


async def follow_first(chat: Chat) -> None:
    await chat.send("/start")
    await chat.send("saint lo")
    question = chat.last
    assert await chat.press(question, "25 km") == []  # the question becomes the list
    listing = chat.message(question["message_id"])
    await chat.press(listing, "1")
    await chat.press(chat.message(listing["message_id"]), chat.t("card.follow"))


async def test_deadline_and_milestone_arrive_as_one_message(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    # 23 Nov 2026, 10:00 Paris: the 7-day alert of a campaign ending on 30 Nov is due now.
    now = NOW
    chat = harness.chat(3001, "fr")
    end = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
    project = await followed_exp3d(harness, sessionmaker, chat, 40_000, end)
    before = len(chat.messages)

    async with sessionmaker() as session:
        report = await scan(session, now=now, settings=harness.settings)
        item = await session.get(Campaign, project)
        await record_progress(
            session, item, 120_000, 40, now, "Europe/Paris"
        )  # 20 % → 60 %: the 50 % milestone
        await session.commit()
    assert report.queued == 1

    clock = SkipClock(now)
    worker = make_worker(harness.bot, sessionmaker, harness.i18n, harness.settings, clock)
    await worker.recover()
    await worker.run(until_empty=True)

    messages = chat.messages[before:]
    assert len(messages) == 1, "alerts due together come as one message"
    text = messages[0]["text"]
    assert text.startswith(chat.t("notify.group_header", count=2))
    assert (
        chat.t(
            "alert.deadline.7",
            title="Exp3D",
            date=formatting.date(datetime(2026, 11, 30, 17, 0, tzinfo=UTC), "fr", "Europe/Paris"),
        )
        in text
    )
    # Queued when 1 600 € were missing, sent with the figures of its sending: 800 € to go over
    # the 7 calendar days left, rounded up to the euro: 115 € a day.
    assert (
        chat.t(
            "alert.to_go",
            missing=formatting.money(80_000, "fr"),
            per_day=formatting.money(11_500, "fr"),
        )
        in text
    )
    assert (
        chat.t(
            "alert.milestone",
            title="Exp3D",
            milestone="50\xa0%",
            raised=formatting.money(120_000, "fr"),
            goal=formatting.money(200_000, "fr"),
        )
        in text
    )

    async with sessionmaker() as session:
        statuses = (await session.scalars(select(Outbox.status))).all()
        assert sorted(statuses) == ["sent", "sent"]
        await scan(session, now=now + timedelta(minutes=5), settings=harness.settings)
        item = await session.get(Campaign, project)
        await record_progress(session, item, 121_000, 41, now, "Europe/Paris")
        await session.commit()
        assert len((await session.scalars(select(Outbox))).all()) == 2, "each alert once"


async def test_alert_in_english_for_an_english_follower(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    now = NOW
    chat = harness.chat(3002, "en")
    project = await followed_exp3d(harness, sessionmaker, chat, 190_000, now + timedelta(days=30))
    before = len(chat.messages)
    async with sessionmaker() as session:
        item = await session.get(Campaign, project)
        await record_progress(
            session, item, 385_000, 85, now, "Europe/Paris"
        )  # 95 % → 192 %: only 150 %
        await session.commit()
    worker = make_worker(harness.bot, sessionmaker, harness.i18n, harness.settings, SkipClock(now))
    await worker.run(until_empty=True)
    (message,) = chat.messages[before:]
    expected = plain(
        harness.i18n.gettext("alert.milestone", locale="en").format(
            title="Exp3D", milestone="150%", raised="€3,850", goal="€2,000"
        )
    )
    assert message["text"].startswith(expected)
