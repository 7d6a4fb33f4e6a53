"""Delivery benchmark: N recipients through the worker, against a fake Bot API enforcing limits.

    .venv/bin/python bench/delivery.py [--recipients 10000] [--paid]

The fake Bot API runs in its own process (so it does not share the worker's event loop) with
Telegram's limits: 30 messages/s overall, 1/s per chat, 1,000/s for paid broadcasts; it answers
429 with retry_after when pushed. Goals: msgs_per_s >= 29 (>= 900 with --paid), 429s <= 0.1 % of
requests, 0 lost, 0 duplicates. Uses DATABASE_URL's backend (a scratch database, see common.py).
The last line is one JSON object.
"""

import argparse
import asyncio
import cProfile
import json
import logging
import multiprocessing
import pstats
import sys
import time
from multiprocessing.connection import Connection
from typing import Any

from common import bench_url, fresh_database  # type: ignore[import-not-found]

from bot.app import freeze_start_up_objects
from bot.delivery.worker import DeliveryWorker
from bot.devtools.fakeapi import FakeBotAPI, FaultConfig
from bot.factory import create_bot
from bot.i18n import create_i18n
from bot.settings import Settings
from storage.db import create_engine, create_sessionmaker, migrate
from storage.models import User, utcnow
from storage.repo import outbox

TOKEN = "123456:BENCH"
FIRST_ID = 20_000_000
WARM_UP_CHAT = 1


def serve_fake(conn: Connection) -> None:
    """Child process: the fake API with Telegram's limits until told to stop; then its record."""

    async def main() -> None:
        faults = FaultConfig(global_rate=30, per_chat_rate=1, paid_broadcast_rate=1000)
        fake = FakeBotAPI(TOKEN, faults=faults)
        await fake.start()
        conn.send(fake.base_url)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, conn.recv)
        counts = {chat: len(texts) for chat, texts in fake.delivered.items()}
        stats = dict(fake.stats)
        stats["ok"] = stats.get("ok", 0) - 1  # the warm-up
        conn.send({"delivered": counts, "stats": stats, "cpu": time.process_time()})
        await fake.stop()

    asyncio.run(main())


async def queue(url: str, recipients: int) -> None:
    await fresh_database(url)
    engine = create_engine(url)
    await migrate(engine)
    now = utcnow()
    ids = range(FIRST_ID, FIRST_ID + recipients)
    users = [{"id": i, "radius_km": 25, "created_at": now, "updated_at": now} for i in ids]
    async with create_sessionmaker(engine)() as session:
        for start in range(0, recipients, 5000):
            await session.execute(User.__table__.insert(), users[start : start + 5000])
        rows = [
            {
                "user_id": i,
                "kind": "text",
                "dedup_key": f"bench:{i}",
                "content": {"text": f"<b>News</b> for you, {i}"},
                "due_at": now,
                "not_before": now,
            }
            for i in ids
        ]
        await outbox.enqueue_many(session, rows)
        await session.commit()
    await engine.dispose()


async def deliver(url: str, base_url: str, paid: bool) -> tuple[float, dict[str, int]]:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        bot_token=TOKEN,
        telegram_api_url=base_url,
        database_url=url,
        allow_paid_broadcast=paid,
    )
    engine = create_engine(url)
    bot = create_bot(settings)
    worker = DeliveryWorker(bot, create_sessionmaker(engine), create_i18n("fr"), settings)
    # Warm up outside the timing: aiogram's models are built on first use (bot.lazy_types).
    await bot.send_message(WARM_UP_CHAT, "warm-up")
    await asyncio.sleep(1.1)  # let the warm-up leave the API's 1-second window
    freeze_start_up_objects()  # as `python -m bot run` and `deliver` do before their loops
    cpu = time.process_time()
    started = time.perf_counter()
    await worker.run(until_empty=True)
    elapsed = time.perf_counter() - started
    print(f"worker CPU: {time.process_time() - cpu:.1f} s for {elapsed:.1f} s of delivery")
    await bot.session.close()
    await engine.dispose()
    return elapsed, dict(worker.stats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--paid", action="store_true", help="allow_paid_broadcast (1,000/s)")
    parser.add_argument("--profile", action="store_true", help="print where the worker's time goes")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    url = bench_url("delivery_paid" if args.paid else "delivery")
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.get_context("spawn").Process(target=serve_fake, args=(child,))
    server.start()
    base_url = parent.recv()
    try:
        asyncio.run(queue(url, args.recipients))
        profile = cProfile.Profile() if args.profile else None
        if profile:
            profile.enable()
        elapsed, worker_stats = asyncio.run(deliver(url, base_url, args.paid))
        if profile:
            profile.disable()
            pstats.Stats(profile, stream=sys.stderr).sort_stats("tottime").print_stats(40)
    finally:
        parent.send("stop")
        record: dict[str, Any] = parent.recv()
        server.join(10)
    delivered: dict[int, int] = record["delivered"]
    delivered.pop(WARM_UP_CHAT, None)
    stats: dict[str, int] = record["stats"]
    total = sum(delivered.values())
    requests = sum(stats.values())
    result = {
        "recipients": args.recipients,
        "paid": args.paid,
        "backend": url.split(":", 1)[0],
        "msgs_per_s": round(total / elapsed, 1),
        "seconds": round(elapsed, 1),
        "requests": requests,
        "http_429": stats.get("429", 0),
        "http_429_pct": round(100 * stats.get("429", 0) / max(requests, 1), 3),
        "lost": args.recipients - len(delivered),
        "duplicates": total - len(delivered),
    }
    goal = 900 if args.paid else 29
    print(f"worker: {worker_stats}; fake API: {stats}, its CPU {record['cpu']:.1f} s")
    print(f"goals: msgs_per_s >= {goal}, 429s <= 0.1 % of requests, 0 lost, 0 duplicates")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
