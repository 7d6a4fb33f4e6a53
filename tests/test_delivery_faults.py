"""Faults at scale: 10 % of sends fail (5xx or time out) and 429s come often; all arrive once."""

import asyncio
from datetime import datetime, timedelta

from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.worker import DeliveryWorker
from bot.devtools.fakeapi import FakeBotAPI, FaultConfig
from bot.factory import create_bot
from storage.models import utcnow
from storage.repo import outbox
from tests.delivery_helpers import add_users, rows, settings_for
from tests.e2e import TOKEN

RECIPIENTS = 300


class SkippingClock:
    """Real time plus whatever the injected sleeps skipped: pauses and backoff cost ~nothing."""

    def __init__(self) -> None:
        self.offset = timedelta()
        self.slept = 0.0

    def __call__(self) -> datetime:
        return utcnow() + self.offset

    async def sleep(self, seconds: float) -> None:
        self.slept += seconds
        self.offset += timedelta(seconds=seconds)
        await asyncio.sleep(min(seconds, 0.01))


async def test_faults_and_429s_everything_delivered_once(
    sessionmaker: async_sessionmaker[AsyncSession], i18n: I18n
) -> None:
    faults = FaultConfig(
        global_rate=150,  # the worker is set to 250/s: Telegram answers 429 often
        error_rate=0.05,
        timeout_rate=0.05,
        timeout_delay=0.6,
        seed=11,
    )
    fake = FakeBotAPI(TOKEN, faults=faults)
    await fake.start()
    settings = settings_for(
        fake.base_url,
        delivery_rate=250.0,
        delivery_request_timeout=0.3,
        delivery_max_attempts=12,
        delivery_backoff_base=0.1,
    )
    bot = create_bot(settings)
    clock = SkippingClock()
    worker = DeliveryWorker(bot, sessionmaker, i18n, settings, clock=clock, sleep=clock.sleep)
    ids = list(range(1000, 1000 + RECIPIENTS))
    now = clock()
    async with sessionmaker() as session:
        await add_users(session, ids)
        queued = [
            {
                "user_id": i,
                "kind": "text",
                "dedup_key": f"fault:{i}",
                "content": {"text": f"news for {i}"},
                "due_at": now,
                "not_before": now,
            }
            for i in ids
        ]
        assert await outbox.enqueue_many(session, queued) == RECIPIENTS
        await session.commit()
    try:
        await asyncio.wait_for(worker.run(until_empty=True), 60)
    finally:
        await bot.session.close()
        await fake.stop()

    assert fake.stats["5xx"] > 5 and fake.stats["timeout"] > 5 and fake.stats["429"] > 0
    assert {chat: texts for chat, texts in fake.delivered.items()} == {
        i: [f"news for {i}"] for i in ids
    }
    final = await rows(sessionmaker)
    assert {r.status for r in final} == {"sent"}
    assert max(r.attempts for r in final) > 1
    assert worker.stats["sent"] == RECIPIENTS
