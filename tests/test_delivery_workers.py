"""Two delivery workers on one database (a rolling restart, `run` beside `deliver`, two
containers): each notification goes out exactly once."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.worker import DeliveryWorker
from bot.devtools.fakeapi import FakeBotAPI
from bot.factory import create_bot
from storage.repo import outbox
from tests.delivery_helpers import add_users, rows, settings_for
from tests.e2e import TOKEN

RECIPIENTS = 1_500


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI(TOKEN) as api:
        api.faults.latency = 0.01  # sends overlap, as they do against Telegram
        yield api


async def queue_all(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    now = datetime.now(UTC)
    async with sessionmaker() as session:
        await add_users(session, list(range(1, RECIPIENTS + 1)))
        await outbox.enqueue_many(
            session,
            [
                {
                    "user_id": user,
                    "kind": "text",
                    "campaign_id": None,
                    "dedup_key": f"two-workers:{user}",
                    "content": {"text": f"hello {user}"},
                    "status": "pending",
                    "attempts": 0,
                    "due_at": now,
                    "not_before": now,
                    "created_at": now,
                    "finished_at": None,
                    "last_error": None,
                }
                for user in range(1, RECIPIENTS + 1)
            ],
        )
        await session.commit()


def worker(
    fake: FakeBotAPI, sessionmaker: async_sessionmaker[AsyncSession], i18n: I18n
) -> DeliveryWorker:
    """A worker on the real clock, as a process of its own would run."""
    settings = settings_for(fake.base_url, delivery_rate=300.0, delivery_idle_seconds=0.2)
    return DeliveryWorker(create_bot(settings), sessionmaker, i18n, settings)


async def deliver(one: DeliveryWorker) -> None:
    try:
        await one.recover()
        await one.run(until_empty=True)
    finally:
        await one.bot.session.close()


async def check_exactly_once(
    fake: FakeBotAPI, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    assert {user: len(texts) for user, texts in fake.delivered.items()} == {
        user: 1 for user in range(1, RECIPIENTS + 1)
    }
    assert {row.status for row in await rows(sessionmaker)} == {"sent"}


async def test_two_workers_started_together_send_each_notification_once(
    fake: FakeBotAPI, sessionmaker: async_sessionmaker[AsyncSession], i18n: I18n
) -> None:
    await queue_all(sessionmaker)
    first, second = worker(fake, sessionmaker, i18n), worker(fake, sessionmaker, i18n)
    await asyncio.wait_for(asyncio.gather(deliver(first), deliver(second)), 120)
    await check_exactly_once(fake, sessionmaker)
    assert first.stats["sent"] > 0 and second.stats["sent"] > 0  # both took a share


async def test_a_worker_started_while_another_sends_takes_nothing_in_flight(
    fake: FakeBotAPI, sessionmaker: async_sessionmaker[AsyncSession], i18n: I18n
) -> None:
    await queue_all(sessionmaker)
    first = worker(fake, sessionmaker, i18n)
    running = asyncio.create_task(deliver(first))
    await fake.wait_for(lambda: sum(map(len, fake.delivered.values())) >= 300, timeout=60)
    second = worker(fake, sessionmaker, i18n)
    await asyncio.wait_for(asyncio.gather(running, deliver(second)), 120)
    await check_exactly_once(fake, sessionmaker)
    assert second.stats["sent"] > 0
