"""Priority benchmark: personal alerts queued while 10,000 news messages are being sent.

    .venv/bin/python bench/priority.py [--bulk 10000] [--urgent 20]

A holder's news is queued for 10,000 followers (bot.delivery.broadcasts.queue_news); the real
DeliveryWorker sends it at 30/s to a fake Bot API in its own process with Telegram's limits
(30/s overall, 1/s per chat, 429 past them) that answers each call after 75 ms, as Telegram
does in 50 to 100 ms (a fixed time: the fake counts its 1-second window in the order answers
leave, so varying it would make it refuse sends Telegram accepts). Once the
news is going out, `urgent` residents' campaigns cross a milestone one at a time, half a second
apart, through the real code path of a holder's progress report (bot.delivery.progress.
record_progress: the milestone alert queued in its transaction), with no wake() of the worker (a
handler has none). Measured: from each alert's commit to its arrival at the fake API (the same
monotonic clock). Goal: urgent_p95_s <= 3. Stops once the alerts arrived, plus a second; the
rest of the news is left queued. DATABASE_URL selects the backend (see common.py). The last
line is one JSON object.
"""

import argparse
import asyncio
import json
import logging
import multiprocessing
import time
from datetime import timedelta
from multiprocessing.connection import Connection
from typing import Any

from common import bench_url, fresh_database, percentile  # type: ignore[import-not-found]
from sqlalchemy import func, insert, select, text

from bot.app import freeze_start_up_objects
from bot.delivery.broadcasts import queue_news
from bot.delivery.progress import record_progress
from bot.delivery.worker import DeliveryWorker
from bot.devtools.fakeapi import FakeBotAPI, FaultConfig
from bot.factory import create_bot
from bot.i18n import create_i18n
from bot.settings import Settings
from storage.db import create_engine, create_sessionmaker, migrate
from storage.models import Broadcast, Campaign, Follow, Outbox, OutboxStatus, User, utcnow
from storage.repo import progress

TOKEN = "123456:BENCH"
FOLLOWER = 40_000_000  # the news followers' ids from here
RESIDENT = 50_000_000  # the residents getting a milestone alert
TZ = "Europe/Paris"
GOAL = 3.0
SPACING = 0.5  # seconds between two milestones
RAMP_UP = 3.0  # seconds of news sending before the first milestone
LATENCY = 0.075  # seconds the fake takes to answer


def serve_fake(conn: Connection, urgent_chats: set[int]) -> None:
    """Child process: the fake API with Telegram's limits until told to stop; then what arrived."""

    async def main() -> None:
        faults = FaultConfig(global_rate=30, per_chat_rate=1, latency=LATENCY)
        fake = FakeBotAPI(TOKEN, faults=faults)
        await fake.start()
        conn.send(fake.base_url)
        await asyncio.get_running_loop().run_in_executor(None, conn.recv)
        arrivals = {
            call.params["chat_id"]: call.at
            for call in reversed(fake.calls)
            if call.outcome == "ok" and call.params.get("chat_id") in urgent_chats
        }
        conn.send({"arrivals": arrivals, "stats": dict(fake.stats)})
        await fake.stop()

    asyncio.run(main())


def person(user_id: int) -> dict[str, Any]:
    now = utcnow()
    return {
        "id": user_id,
        "locale": "en" if user_id % 4 == 0 else "fr",
        "radius_km": 25,
        "quiet_hours": False,  # the benchmark runs at any hour
        "created_at": now,
        "updated_at": now,
    }


def campaign_row(index: int) -> dict[str, Any]:
    now = utcnow()
    return {
        "source": "bench",
        "external_id": str(index),
        "title": f"Projet {index}",
        "holder": "Porteuse",
        "description": "",
        "category": "business",
        "lat": 49.1166,
        "lon": -1.0833,
        "goal_cents": 1_000_000,
        "raised_cents": 100_000,
        "backers": 10,
        "starts_at": now - timedelta(days=10),
        "ends_at": now + timedelta(days=20),
        "search_text": f"projet {index}",
        "created_at": now,
        "updated_at": now,
    }


async def seed(url: str, bulk: int, urgent: int) -> tuple[int, list[int]]:
    """The news campaign with `bulk` followers; `urgent` campaigns, one resident following each."""
    await fresh_database(url)
    engine = create_engine(url)
    await migrate(engine)
    async with engine.begin() as conn:
        ids = [
            await conn.scalar(insert(Campaign).returning(Campaign.id), campaign_row(i))
            for i in range(urgent + 1)
        ]
        users = [person(FOLLOWER + i) for i in range(bulk)]
        users += [person(RESIDENT + i) for i in range(urgent)]
        follows = [{"user_id": FOLLOWER + i, "campaign_id": ids[0]} for i in range(bulk)]
        follows += [{"user_id": RESIDENT + i, "campaign_id": ids[i + 1]} for i in range(urgent)]
        for start in range(0, len(users), 5000):
            await conn.execute(insert(User), users[start : start + 5000])
            await conn.execute(insert(Follow), follows[start : start + 5000])
    async with engine.connect() as conn:
        await conn.execute(text("ANALYZE"))
        await conn.commit()
    await engine.dispose()
    return ids[0], ids[1:]


async def measure(url: str, base_url: str, news_campaign: int, campaigns: list[int]) -> Any:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, bot_token=TOKEN, telegram_api_url=base_url, database_url=url
    )
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    bot = create_bot(settings)
    worker = DeliveryWorker(bot, sessionmaker, create_i18n("fr"), settings)
    async with sessionmaker() as session:
        news = Broadcast(campaign_id=news_campaign, author_id=FOLLOWER, text="<b>Atelier</b>")
        session.add(news)
        await queue_news(session, news, utcnow(), TZ)
        await session.commit()
    freeze_start_up_objects()
    started = time.monotonic()
    running = asyncio.create_task(worker.run())
    await asyncio.sleep(RAMP_UP)
    queued: dict[int, float] = {}
    for index, campaign_id in enumerate(campaigns):
        async with sessionmaker() as session:
            campaign = await session.get_one(Campaign, campaign_id)
            milestone = await record_progress(
                session, campaign, 600_000, 40, utcnow(), TZ, source=progress.HOLDER
            )
            await session.commit()
        queued[RESIDENT + index] = time.monotonic()
        assert milestone == 50, milestone
        await asyncio.sleep(SPACING)
    await wait_until_sent(sessionmaker, len(campaigns))
    await asyncio.sleep(1.0)
    worker.stop()
    await running
    elapsed = time.monotonic() - started
    async with sessionmaker() as session:
        sent = await session.scalar(
            select(func.count()).where(Outbox.kind == "news", Outbox.status == OutboxStatus.SENT)
        )
    await bot.session.close()
    await engine.dispose()
    return queued, int(sent or 0) / elapsed, dict(worker.stats)


async def wait_until_sent(sessionmaker: Any, count: int, timeout: float = 60.0) -> None:  # noqa: ASYNC109
    query = select(func.count()).where(
        Outbox.kind == "milestone", Outbox.status == OutboxStatus.SENT
    )
    async with asyncio.timeout(timeout):
        while True:
            async with sessionmaker() as session:
                if await session.scalar(query) == count:
                    return
            await asyncio.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bulk", type=int, default=10_000)
    parser.add_argument("--urgent", type=int, default=20)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    url = bench_url("priority")
    news_campaign, campaigns = asyncio.run(seed(url, args.bulk, args.urgent))
    urgent_chats = {RESIDENT + i for i in range(args.urgent)}
    parent, child = multiprocessing.Pipe()
    context = multiprocessing.get_context("spawn")
    server = context.Process(target=serve_fake, args=(child, urgent_chats))
    server.start()
    base_url = parent.recv()
    try:
        queued, news_rate, worker_stats = asyncio.run(
            measure(url, base_url, news_campaign, campaigns)
        )
    finally:
        parent.send("stop")
        record: dict[str, Any] = parent.recv()
        server.join(10)
    arrivals: dict[int, float] = record["arrivals"]
    waits = [arrivals[chat] - at for chat, at in queued.items()]
    print(f"worker: {worker_stats}; fake API: {record['stats']}")
    print(f"urgent waits (s): {sorted(round(w, 2) for w in waits)}")
    print(f"goal: urgent_p95_s <= {GOAL} (news went on at {news_rate:.1f}/s)")
    result = {
        "bulk": args.bulk,
        "urgent": args.urgent,
        "backend": url.split(":", 1)[0],
        "urgent_p95_s": round(percentile(waits, 0.95), 2),
        "urgent_max_s": round(max(waits), 2),
        "news_per_s": round(news_rate, 1),
        "http_429": record["stats"].get("429", 0),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
