"""Holders' news through the outbox: who gets a row, sent as its own message in each follower's
language (a photo with its caption, the link button), blocked followers counted, and the
sender's report message edited up to its final counts."""

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from aiogram.utils.i18n import I18n
from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.broadcasts import queue_news
from bot.delivery.worker import DeliveryWorker
from bot.devtools.fakeapi import Call, FakeBotAPI, FaultConfig, UploadedFile
from bot.factory import create_bot
from bot.ui.broadcasts import news_text
from bot.ui.notifications import Reader
from bot.ui.reports import Figures, report_text
from storage.models import Broadcast, Campaign, Follow, Outbox, OutboxStatus, Priority
from storage.repo import claims, outbox
from tests.delivery_helpers import SkipClock, add_users, make_worker, queue, settings_for
from tests.e2e import TOKEN, plain
from tests.factories import add_campaigns, campaign

TZ = "Europe/Paris"
NOON = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)  # 12:00 in Paris: outside quiet hours
PHOTO = "AgACAgQAAxkBAAIBQ2atelier"


async def news_for(
    sessionmaker: async_sessionmaker[AsyncSession], followers: list[int], **fields: object
) -> Broadcast:
    """A campaign followed by `followers`, and a news post of it (not queued)."""
    [campaign_id] = await add_campaigns(sessionmaker, campaign(NOON, title="Tricot & Cie"))
    async with sessionmaker() as session:
        await session.execute(
            insert(Follow), [{"user_id": u, "campaign_id": campaign_id} for u in followers]
        )
        news = Broadcast(
            kind="news", campaign_id=campaign_id, author_id=1, text="<b>Atelier</b> samedi"
        )
        for name, value in fields.items():
            setattr(news, name, value)
        session.add(news)
        await session.commit()
        return news


async def outbox_rows(sessionmaker: async_sessionmaker[AsyncSession]) -> list[Outbox]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(Outbox).order_by(Outbox.user_id)))


async def test_news_is_queued_once_for_followers_who_want_it(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session:
        await add_users(session, [10, 11, 99])
        await add_users(session, [12], notify_news=False)
        await add_users(session, [13], blocked_at=NOON - timedelta(days=1))
        await add_users(session, [14], quiet_hours=True, quiet_start=11 * 60, quiet_end=14 * 60)
    news = await news_for(sessionmaker, [10, 11, 12, 13, 14])
    async with sessionmaker() as session:
        news = await session.get_one(Broadcast, news.id)
        assert await queue_news(session, news, NOON, TZ) == 3
        await session.commit()
    async with sessionmaker() as session:
        news = await session.get_one(Broadcast, news.id)
        assert await queue_news(session, news, NOON + timedelta(minutes=1), TZ) == 0
        await session.commit()
        assert (news.queued_at, news.recipients) == (NOON, 3)

    queued = await outbox_rows(sessionmaker)
    assert [(r.user_id, r.kind, r.broadcast_id, r.priority) for r in queued] == [
        (u, "news", news.id, Priority.BULK) for u in (10, 11, 14)
    ]
    assert {r.status for r in queued} == {"pending"}
    assert queued[0].content == {}  # the text stays in the broadcast
    # 12:00 in Paris is in user 14's quiet hours (11:00-14:00): held until 14:00 (13:00 UTC).
    assert [r.not_before for r in queued] == [NOON, NOON, NOON + timedelta(hours=2)]


@dataclass
class Env:
    fake: FakeBotAPI
    clock: SkipClock
    worker: DeliveryWorker
    sessionmaker: async_sessionmaker[AsyncSession]
    i18n: I18n

    def reader(self, locale: str) -> Reader:
        return Reader(locale, TZ, self.i18n)

    def sends(self, chat_id: int) -> list[Call]:
        return [c for c in self.fake.calls if c.params.get("chat_id") == chat_id]


@pytest.fixture
async def env(sessionmaker: async_sessionmaker[AsyncSession], i18n: I18n) -> AsyncIterator[Env]:
    fake = FakeBotAPI(TOKEN)
    await fake.start()
    settings = settings_for(fake.base_url, report_edit_seconds=5.0)
    bot = create_bot(settings)
    clock = SkipClock(NOON)
    yield Env(
        fake, clock, make_worker(bot, sessionmaker, i18n, settings, clock), sessionmaker, i18n
    )
    await bot.session.close()
    await fake.stop()


async def send_news(env: Env, news_id: int) -> None:
    """The holder's Send: queue_news in one transaction, then the worker until all is done."""
    async with env.sessionmaker() as session:
        news = await session.get_one(Broadcast, news_id)
        await queue_news(session, news, env.clock.now, TZ)
        await session.commit()
    await env.worker.run(until_empty=True)


async def test_news_goes_out_as_a_photo_in_each_language_and_the_report_ends_counted(
    env: Env,
) -> None:
    env.fake.files[PHOTO] = UploadedFile("atelier.jpg", b"jpeg", "image/jpeg", PHOTO)
    env.fake.faults = FaultConfig(blocked_chats={12}, missing_chats={13})
    async with env.sessionmaker() as session:
        await add_users(session, [1, 11], locale="en")
        await add_users(session, [10, 12, 13], locale="fr")
    news = await news_for(
        env.sessionmaker,
        [10, 11, 12, 13],
        photo_file_id=PHOTO,
        link_url="https://example.org/atelier",
        report_chat_id=1,
    )
    await send_news(env, news.id)

    for chat, locale in ((10, "fr"), (11, "en")):
        [call] = env.sends(chat)
        reader = env.reader(locale)
        assert call.method == "sendPhoto" and call.params["photo"] == PHOTO
        assert call.params["caption"] == news_text("Tricot & Cie", news.text, reader)
        label = reader.t("news.link")
        [message] = env.fake.messages[chat]
        assert message["reply_markup"] == {
            "inline_keyboard": [[{"text": label, "url": "https://example.org/atelier"}]]
        }
        assert message["photo"][0]["file_id"] == PHOTO
    statuses = {r.user_id: r.status for r in await outbox_rows(env.sessionmaker)}
    assert statuses == {10: "sent", 11: "sent", 12: "blocked", 13: "failed"}

    final = report_text(
        "Tricot & Cie", Figures(sent=2, blocked=1, failed=1), 500.0, env.reader("en")
    )
    [report] = env.fake.messages[1]
    assert report["text"] == plain(final)  # in the author's language
    methods = [c.method for c in env.sends(1)]
    assert methods[0] == "sendMessage" and set(methods[1:]) <= {"editMessageText"}  # one post
    async with env.sessionmaker() as session:
        news = await session.get_one(Broadcast, news.id)
        assert news.report_message_id == report["message_id"]
        assert news.report_done_at is not None


async def test_report_is_edited_at_most_once_per_interval_and_not_when_unchanged(
    env: Env,
) -> None:
    env.worker.reports.every = timedelta(minutes=10)
    async with env.sessionmaker() as session:
        await add_users(session, [1, 10, 11])
    # Two followers now, one held by their quiet hours for two hours: the report stays open.
    async with env.sessionmaker() as session:
        await add_users(session, [12], quiet_hours=True, quiet_start=11 * 60, quiet_end=14 * 60)
    news = await news_for(env.sessionmaker, [10, 11, 12], report_chat_id=1)
    await send_news(env, news.id)

    reader = env.reader("fr")
    edits = [c for c in env.sends(1) if c.method == "editMessageText"]
    texts = [plain(c.params["text"]) for c in env.sends(1)]
    assert texts[-1] == plain(report_text("Tricot & Cie", Figures(sent=3), 500.0, reader))
    # While user 12 waited two hours, the worker looked every 10 min and edited only on changes.
    assert len(texts) == len(set(texts)) <= 4
    assert len(edits) == len(texts) - 1
    assert env.fake.delivered[12]


async def test_a_cancelled_news_or_a_deleted_campaign_sends_nothing_more(env: Env) -> None:
    async with env.sessionmaker() as session:
        await add_users(session, [10, 11])
    cancelled = await news_for(env.sessionmaker, [10])
    orphan = await news_for(env.sessionmaker, [11])
    async with env.sessionmaker() as session:
        for news_id in (cancelled.id, orphan.id):
            news = await session.get_one(Broadcast, news_id)
            await queue_news(session, news, NOON, TZ)
        news = await session.get_one(Broadcast, cancelled.id)
        news.cancelled_at = NOON
        await session.execute(delete(Campaign).where(Campaign.id == orphan.campaign_id))
        await session.commit()
    await env.worker.run(until_empty=True)

    assert env.fake.calls == []
    rows = {r.user_id: r for r in await outbox_rows(env.sessionmaker)}
    assert {r.status for r in rows.values()} == {"skipped"}
    assert "broadcast cancelled" in (rows[10].last_error or "")
    assert "broadcast gone" in (rows[11].last_error or "")


async def test_urgent_rows_are_claimed_and_sent_before_older_bulk_rows(env: Env) -> None:
    async with env.sessionmaker() as session:
        await add_users(session, [10, 11, 12, 20])
    news = await news_for(env.sessionmaker, [10, 11, 12])
    async with env.sessionmaker() as session:
        news = await session.get_one(Broadcast, news.id)
        await queue_news(session, news, NOON - timedelta(minutes=5), TZ)
        await outbox.enqueue(
            session,
            user_id=20,
            kind="text",
            dedup_key="urgent",
            content={"text": "urgent"},
            due_at=NOON,
            not_before=NOON,
        )
        await session.commit()
    async with env.sessionmaker() as session:
        [first] = await claims.claim_due(session, NOON, 1)
        assert (first.user_id, first.priority) == (20, Priority.URGENT)
        await session.rollback()

    await env.worker.run(until_empty=True)  # all claimed at once: the urgent one still first
    assert env.fake.calls[0].params["chat_id"] == 20
    assert sorted(env.fake.delivered) == [10, 11, 12, 20]


async def test_the_worker_claims_about_a_second_of_sending_ahead(
    sessionmaker: async_sessionmaker[AsyncSession], i18n: I18n
) -> None:
    """At 30/s, with 120 news rows waiting: never much more than 30 rows claimed and not yet
    recorded (200 before lanes), and an urgent row queued meanwhile out within a second."""
    async with sessionmaker() as session:  # no quiet hours: the test runs at any time of day
        await add_users(session, [*range(100, 220), 20], quiet_hours=False)
    news = await news_for(sessionmaker, list(range(100, 220)))
    now = datetime.now(UTC)
    async with sessionmaker() as session:
        news = await session.get_one(Broadcast, news.id)
        await queue_news(session, news, now, TZ)
        await session.commit()
    async with FakeBotAPI(TOKEN, faults=FaultConfig(global_rate=30, latency=0.05)) as fake:
        settings = settings_for(fake.base_url, delivery_rate=30.0)
        bot = create_bot(settings)
        worker = DeliveryWorker(bot, sessionmaker, i18n, settings)
        running = asyncio.create_task(worker.run())
        claimed = []
        for tick in range(120):  # 2.4 s
            if tick == 40:
                async with sessionmaker() as session:
                    await queue(session, 20, "urgent", "urgent", datetime.now(UTC))
                queued_at = time.monotonic()
            async with sessionmaker() as session:
                sending = select(func.count()).where(Outbox.status == OutboxStatus.SENDING)
                claimed.append(await session.scalar(sending) or 0)
            await asyncio.sleep(0.02)
        worker.stop()
        await running
        await bot.session.close()
        [urgent] = [c for c in fake.calls if c.params["chat_id"] == 20]
        news_sent = len(fake.calls) - 1
    assert max(claimed) <= 40, claimed  # 30 ahead, a few in flight or not yet recorded
    assert urgent.at - queued_at < 1.0, urgent.at - queued_at
    assert news_sent >= 50  # the news went on meanwhile, at about 30/s


def test_the_report_says_six_minutes_left_for_ten_thousand_followers_at_30_per_second(
    i18n: I18n,
) -> None:
    reader = Reader("fr", TZ, i18n)
    text = report_text("Tricot", Figures(sent=100, waiting=9_900), 30.0, reader)
    assert reader.t("report.left_minutes", minutes=6) in text.splitlines()
    held = Figures(sent=100, waiting=50, later=50)  # only quiet hours left: no time to give
    lines = report_text("Tricot", held, 30.0, reader).splitlines()
    assert len(lines) == 4 and lines[-1] == reader.t("report.later", count=50)
