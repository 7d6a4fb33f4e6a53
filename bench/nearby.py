"""Benchmark: the first page of /nearby (25 km), on 50,000 campaigns and 100,000 users.

Runs on the database DATABASE_URL points at (a scratch database beside it; SQLite by default).
The measuring runs in a child process that loads what the running bot loads (the gazetteer, the
catalogues, the dispatcher, the campaign index, full caches of users and pages), so its peak
RSS is the bot's, not the seeding's. The page is timed twice: as the SQL query on the database
(`p50_ms`, `p95_ms`), and as the bot serves it, from its in-memory index (`index_p50_ms`,
`index_p95_ms`; `index_load_s` is the index's load at start-up).
Prints {"campaigns", "users", "queries", "p50_ms", "p95_ms", "index_load_s", "index_p50_ms",
"index_p95_ms", "rss_mb", "backend"} on its last line.
Goals: p95 <= 10 ms on SQLite and on PostgreSQL; rss_mb <= 150.
"""

import argparse
import json
import random
import resource
import subprocess
import sys
import time

from common import NOW, bench_url, percentile, run, seed
from sqlalchemy import select

from bot.domain.campaigns import STATUS_FILTERS
from bot.domain.gazetteer import Gazetteer
from bot.factory import create_dispatcher
from bot.i18n import create_i18n
from bot.readmodels.sync import ReadModels
from bot.settings import Settings
from bot.ui.browse import render_nearby
from bot.ui.listing import ListState
from storage.db import create_engine, create_sessionmaker
from storage.models import User
from storage.repo import campaigns


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM: unlike ru_maxrss, not inherited from the parent)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


async def measure(url: str, queries: int) -> dict[str, object]:
    settings = Settings(database_url=url, _env_file=None)
    gazetteer = Gazetteer.load()
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    i18n = create_i18n("fr")
    dispatcher = create_dispatcher(settings, sessionmaker, gazetteer, i18n)
    read_models: ReadModels = dispatcher["read_models"]
    async with sessionmaker() as session:
        started = time.perf_counter()
        await read_models.refresh(session)
        index_load_s = time.perf_counter() - started
        # As full as a long-running bot's user cache gets.
        for first in range(0, settings.user_cache_size, 1_000):
            page = select(User).order_by(User.id).offset(first).limit(1_000)
            for user in await session.scalars(page):
                read_models.users.remember(user)
            session.expunge_all()
        users = (await session.execute(select(User.lat, User.lon).limit(2_000))).all()
        # And its cache of rendered /nearby pages.
        resident = await session.scalar(select(User).limit(1))
        with i18n.context(), i18n.use_locale("fr"):
            for point in users:
                if len(read_models.pages) == settings.page_cache_size:
                    break
                resident.lat, resident.lon = point
                render_nearby(
                    resident,
                    ListState("n"),
                    settings=settings,
                    gazetteer=gazetteer,
                    read_models=read_models,
                    now=NOW,
                )
        assert len(read_models.pages) == settings.page_cache_size
        await session.rollback()
    rng = random.Random(11)
    timings, index_timings = [], []
    found = 0
    for index in range(queries + 50):
        lat, lon = rng.choice(users)
        async with sessionmaker() as session:
            started = time.perf_counter()
            page = await campaigns.nearby(
                session,
                lat=lat,
                lon=lon,
                radius_km=25,
                now=NOW,
                statuses=STATUS_FILTERS["lu"],
                offset=0,
                limit=5,
            )
            elapsed = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        served, _ = read_models.campaigns.nearby_until(
            lat=lat, lon=lon, radius_km=25, now=NOW, statuses=STATUS_FILTERS["lu"], limit=5
        )
        index_elapsed = (time.perf_counter() - started) * 1000
        assert served == page, "the index and the query disagree"
        if index >= 50:  # the first ones warm the caches and the connection pool
            timings.append(elapsed)
            index_timings.append(index_elapsed)
        found += len(page.items)
    await engine.dispose()
    return {
        "queries": queries,
        "mean_results": round(found / (queries + 50), 2),
        "p50_ms": round(percentile(timings, 0.50), 3),
        "p95_ms": round(percentile(timings, 0.95), 3),
        "index_load_s": round(index_load_s, 3),
        "index_p50_ms": round(percentile(index_timings, 0.50), 3),
        "index_p95_ms": round(percentile(index_timings, 0.95), 3),
        "rss_mb": peak_rss_mb(),
        "backend": engine.dialect.name,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--campaigns", type=int, default=50_000)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=2_000)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(run(measure(args.measure, args.queries))))
        return
    url = bench_url("nearby")
    seconds = run(seed(url, args.campaigns, args.users))
    print(f"seeded {args.campaigns} campaigns and {args.users} users in {seconds:.1f} s")
    child = subprocess.run(
        [sys.executable, __file__, "--measure", url, "--queries", str(args.queries)],
        check=True,
        capture_output=True,
        text=True,
    )
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    print(json.dumps({"campaigns": args.campaigns, "users": args.users, **figures}))


if __name__ == "__main__":
    main()
