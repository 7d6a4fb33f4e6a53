"""Crash safety: the worker, a separate process, is SIGKILLed mid-delivery and restarted.

2,000 recipients; at least five kills at random moments. Before each kill the worker is frozen
(SIGSTOP) and the rows in `sending` counted: those are the only messages that may be sent twice.
"""

import asyncio
import os
import random
import signal
import sys
import time
from pathlib import Path

from aiogram.utils.i18n import I18n
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.devtools.fakeapi import FakeBotAPI, FaultConfig
from storage.models import Outbox, OutboxStatus, utcnow
from storage.repo import outbox
from tests.delivery_helpers import add_users, rows
from tests.e2e import TOKEN

ROOT = Path(__file__).resolve().parent.parent
RECIPIENTS = 2000
KILLS = 5


async def start_worker(db_url: str, fake: FakeBotAPI) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": fake.base_url,
        "DELIVERY_RATE": "400",
        "DELIVERY_BACKOFF_BASE": "0.2",
        "DELIVERY_LEASE_SECONDS": "1.5",  # a killed worker's claims come back after this
        "LOG_LEVEL": "WARNING",
    }
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "deliver", "--until-empty", cwd=ROOT, env=env
    )


async def count_sending(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        query = select(func.count()).where(Outbox.status == OutboxStatus.SENDING)
        return int(await session.scalar(query) or 0)


def delivered(fake: FakeBotAPI) -> int:
    return sum(len(texts) for texts in fake.delivered.values())


async def test_sigkill_loses_nothing(
    db_url: str, sessionmaker: async_sessionmaker[AsyncSession], i18n: I18n
) -> None:
    fake = FakeBotAPI(TOKEN, faults=FaultConfig(global_rate=400, per_chat_rate=1))
    await fake.start()
    ids = list(range(5000, 5000 + RECIPIENTS))
    now = utcnow()  # the worker process runs on the real clock
    async with sessionmaker() as session:
        await add_users(session, ids)
        await outbox.enqueue_many(
            session,
            [
                {
                    "user_id": i,
                    "kind": "text",
                    "dedup_key": f"crash:{i}",
                    "content": {"text": f"hello {i}"},
                    "due_at": now,
                    "not_before": now,
                }
                for i in ids
            ],
        )
        await session.commit()
    rng = random.Random(5)
    in_flight = 0
    try:
        for _ in range(KILLS):
            proc = await start_worker(db_url, fake)
            print(f"{time.monotonic():.2f} start, delivered {delivered(fake)}")
            target = delivered(fake) + rng.randint(50, 250)
            async with asyncio.timeout(30):
                while delivered(fake) < target:
                    assert proc.returncode is None, "the worker finished before it was killed"
                    await asyncio.sleep(0.005)
            os.kill(proc.pid, signal.SIGSTOP)
            in_flight += await count_sending(sessionmaker)
            os.kill(proc.pid, signal.SIGKILL)
            await proc.wait()
        proc = await start_worker(db_url, fake)
        print(f"{time.monotonic():.2f} last start, delivered {delivered(fake)}")
        assert await asyncio.wait_for(proc.wait(), 60) == 0
    finally:
        await fake.stop()

    assert set(fake.delivered) == set(ids)  # nobody lost
    duplicates = delivered(fake) - RECIPIENTS
    print(f"kills {KILLS}, in flight at the kills {in_flight}, duplicates {duplicates}", fake.stats)
    assert duplicates <= in_flight, (duplicates, in_flight)
    final = await rows(sessionmaker)
    assert {r.status for r in final} == {"sent"}
