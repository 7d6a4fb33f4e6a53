"""News benchmark: a holder's news queued for a campaign's followers (bot.delivery.broadcasts).

    .venv/bin/python bench/news.py [--followers 10000]

Times queue_news and its commit, as the holder's "Send" button runs them: the followers read with
their quiet hours, one outbox row each written. Goal: enqueue_s <= 2 on SQLite and PostgreSQL
(DATABASE_URL selects the backend, see common.py). The last line is one JSON object.
"""

import argparse
import asyncio
import json
import time

from common import NOW, bench_url, fresh_database  # type: ignore[import-not-found]
from sqlalchemy import func, insert, select, text

from bot.delivery.broadcasts import queue_news
from storage.db import create_engine, create_sessionmaker, migrate
from storage.models import Broadcast, Campaign, Follow, Outbox, User

FIRST_ID = 30_000_000
GOAL = 2.0


async def seed(url: str, followers: int) -> int:
    """A fresh database: one campaign, `followers` users following it; returns its id."""
    await fresh_database(url)
    engine = create_engine(url)
    await migrate(engine)
    ids = range(FIRST_ID, FIRST_ID + followers)
    users = [
        {
            "id": i,
            "locale": "en" if i % 5 == 0 else "fr",
            "radius_km": 25,
            "quiet_hours": i % 3 != 0,  # a third turned quiet hours off
            "digest_hour": 18 if i % 10 == 0 else None,  # a tenth read a daily digest
            "created_at": NOW,
            "updated_at": NOW,
        }
        for i in ids
    ]
    async with engine.begin() as conn:
        campaign_id = await conn.scalar(
            insert(Campaign).returning(Campaign.id),
            {
                "source": "bench",
                "external_id": "news",
                "title": "Tricot & Cie",
                "holder": "Porteuse",
                "description": "",
                "category": "business",
                "lat": 49.1166,
                "lon": -1.0833,
                "goal_cents": 500_000,
                "raised_cents": 100_000,
                "backers": 40,
                "starts_at": NOW,
                "ends_at": NOW,
                "search_text": "tricot",
                "created_at": NOW,
                "updated_at": NOW,
            },
        )
        for start in range(0, followers, 5000):
            await conn.execute(insert(User), users[start : start + 5000])
            follows = [
                {"user_id": i, "campaign_id": campaign_id, "created_at": NOW}
                for i in ids[start : start + 5000]
            ]
            await conn.execute(insert(Follow), follows)
    async with engine.connect() as conn:
        await conn.execute(text("ANALYZE"))
        await conn.commit()
    await engine.dispose()
    return int(campaign_id)


async def post(url: str, campaign_id: int) -> tuple[float, int, int]:
    """Queue a news post as the Send button does: (seconds, count returned, outbox rows)."""
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session:  # warm the connection pool, as a running bot has
        await session.execute(select(1))
    started = time.perf_counter()
    async with sessionmaker() as session:
        news = Broadcast(kind="news", campaign_id=campaign_id, author_id=1, text="<b>Atelier</b>")
        session.add(news)
        count = await queue_news(session, news, NOW, "Europe/Paris")
        await session.commit()
    elapsed = time.perf_counter() - started
    async with sessionmaker() as session:
        rows = await session.scalar(select(func.count()).select_from(Outbox))
    await engine.dispose()
    return elapsed, count, int(rows or 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=10_000)
    args = parser.parse_args()
    url = bench_url("news")
    campaign_id = asyncio.run(seed(url, args.followers))
    elapsed, count, rows = asyncio.run(post(url, campaign_id))
    assert count == rows == args.followers, (count, rows)
    print(f"goal: enqueue_s <= {GOAL} (queue_news and its commit)")
    result = {
        "followers": args.followers,
        "backend": url.split(":", 1)[0],
        "enqueue_s": round(elapsed, 3),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
