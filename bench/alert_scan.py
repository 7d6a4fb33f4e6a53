"""Benchmark: one alert scan over 100,000 follows of 10,000 campaigns; one milestone to 10,000.

Runs on the database DATABASE_URL points at (a scratch database beside it; SQLite by default).
The scan is the first after a start-up, so it looks back over the grace period (6 h); 1,000
campaigns are given an alert due in that window (200 each: 7 days left, 2 days left, last day,
starting today, ended), on top of whatever the random dates of the others make due.
Campaign 1 has 10,000 followers; its crossing of 75 % is timed through record_progress.
Prints {"follows", "scan_s", "queued", "missed", "milestone_followers", "milestone_s", "backend"}
on its last line. Goals: scan_s <= 1 and milestone_s <= 1, on SQLite and on PostgreSQL.
"""

import json
import random
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from common import NOW, bench_url, follow_rows, insert_rows, run, seed
from sqlalchemy import bindparam, update
from sqlalchemy.engine import make_url

from bot.delivery.alerts import scan
from bot.delivery.progress import record_progress
from bot.settings import Settings
from storage.db import create_engine, create_sessionmaker
from storage.models import Campaign, Follow

CAMPAIGNS = 10_000
USERS = 20_000
FOLLOWS = 100_000
POPULAR = 10_000  # followers of campaign 1
PER_KIND = 200
PARIS = ZoneInfo("Europe/Paris")


def paris(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=PARIS).astimezone(UTC)


def due_dates(rng: random.Random) -> list[dict]:
    """New dates for campaigns 1 to 1,001: the popular one, then 200 per kind of alert."""
    month = NOW - timedelta(days=30)
    rows = [{"cid": 1, "s": NOW - timedelta(days=10), "e": NOW + timedelta(days=20)}]
    kinds = [
        lambda: (month, paris(30, rng.randint(11, 22), rng.randint(0, 59))),  # 7 days left
        lambda: (month, paris(25, rng.randint(11, 22), rng.randint(0, 59))),  # 2 days left
        lambda: (month, paris(23, rng.randint(14, 23), rng.randint(0, 59))),  # last day
        lambda: (paris(23, rng.randint(10, 20)), NOW + timedelta(days=30)),  # starts today
        lambda: (month, NOW - timedelta(minutes=rng.randint(1, 350))),  # ended: result
    ]
    for index, make in enumerate(kinds):
        for offset in range(PER_KIND):
            starts, ends = make()
            rows.append({"cid": 2 + index * PER_KIND + offset, "s": starts, "e": ends})
    return rows


async def prepare(url: str) -> None:
    rng = random.Random(11)
    await seed(url, CAMPAIGNS, USERS)
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(
            update(Campaign)
            .where(Campaign.id == bindparam("cid"))
            .values(starts_at=bindparam("s"), ends_at=bindparam("e"), raised_cents=0)
            .execution_options(synchronize_session=False),
            due_dates(rng),
        )
    await engine.dispose()
    users = [10_000_000 + index for index in range(USERS)]
    popular = [{"user_id": user, "campaign_id": 1, "created_at": NOW} for user in users[:POPULAR]]
    others = follow_rows(users, list(range(2, CAMPAIGNS + 1)), FOLLOWS - POPULAR, rng)
    await insert_rows(url, Follow, popular + others)


async def measure(url: str) -> dict[str, object]:
    settings = Settings(database_url=url, _env_file=None)
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session:
        started = time.perf_counter()
        report = await scan(session, now=NOW, settings=settings)
        await session.commit()
        scan_s = time.perf_counter() - started
    async with sessionmaker() as session:
        campaign = await session.get(Campaign, 1)
        assert campaign is not None
        started = time.perf_counter()
        await record_progress(
            session, campaign, campaign.goal_cents * 8 // 10, 40, NOW, "Europe/Paris"
        )
        await session.commit()
        milestone_s = time.perf_counter() - started
    await engine.dispose()
    return {
        "follows": FOLLOWS,
        "scan_s": round(scan_s, 3),
        "queued": report.queued,
        "missed": report.missed,
        "milestone_followers": POPULAR,
        "milestone_s": round(milestone_s, 3),
        "backend": make_url(url).get_backend_name(),
    }


def main() -> None:
    url = bench_url("alert_scan")
    run(prepare(url))
    result = run(measure(url))
    print("goals: scan_s <= 1, milestone_s <= 1 (SQLite and PostgreSQL)")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
