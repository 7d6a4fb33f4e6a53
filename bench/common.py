"""Shared set-up for the benchmarks: a scratch database filled with campaigns and users."""

import asyncio
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bot.domain.gazetteer import Gazetteer, normalise  # noqa: E402
from bot.domain.geo import round_location  # noqa: E402
from storage.db import create_engine, migrate  # noqa: E402
from storage.geo import cell_of  # noqa: E402
from storage.models import Campaign, Category, User  # noqa: E402

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
SEEN = datetime.now(UTC)
CATEGORIES = [category.value for category in Category]


def bench_url(name: str) -> str:
    """A scratch database next to DATABASE_URL's: a file for SQLite, `<db>_<name>` on PostgreSQL."""
    base = os.environ.get("DATABASE_URL", "")
    if not base or base.startswith("sqlite"):
        return f"sqlite+aiosqlite:///{ROOT / 'bench' / f'{name}.db'}"
    url = make_url(base).set(drivername="postgresql+asyncpg")
    return url.set(database=f"{url.database}_{name}").render_as_string(hide_password=False)


async def fresh_database(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{parsed.database}{suffix}").unlink(missing_ok=True)
        return
    admin = parsed.set(drivername="postgresql", database="postgres")
    conn = await asyncpg.connect(admin.render_as_string(hide_password=False))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{parsed.database}"')
    finally:
        await conn.close()


def campaign_rows(gazetteer: Gazetteer, count: int, rng: random.Random) -> list[dict]:
    placed = [c for c in gazetteer if c.lat is not None and c.lon is not None]
    rows = []
    for index in range(count):
        commune = rng.choice(placed)
        start = NOW + timedelta(days=rng.randint(-60, 20))
        goal = rng.randint(10, 400) * 10_000
        title = f"Projet {index} à {commune.name}"
        rows.append(
            {
                "source": "bench",
                "external_id": str(index),
                "title": title,
                "holder": f"Porteur {index}",
                "description": "",
                "category": rng.choice(CATEGORIES),
                "commune_insee": commune.insee,
                "lat": (lat := commune.lat + rng.uniform(-0.01, 0.01)),  # type: ignore[operator]
                "lon": (lon := commune.lon + rng.uniform(-0.01, 0.01)),  # type: ignore[operator]
                "cell": cell_of(lat, lon),
                "goal_cents": goal,
                "raised_cents": int(goal * rng.uniform(0, 2)),
                "backers": rng.randint(0, 300),
                "starts_at": start,
                "ends_at": start + timedelta(days=rng.randint(20, 60)),
                "url": None,
                "search_text": normalise(f"{title} Porteur {index} {commune.name}"),
                "created_at": NOW,
                "updated_at": NOW,
                "last_seen_at": SEEN,  # residents who came this week: no retention write
            }
        )
    return rows


def user_rows(gazetteer: Gazetteer, count: int, rng: random.Random) -> list[dict]:
    placed = [c for c in gazetteer if c.lat is not None and c.lon is not None]
    weights = [max(c.population, 1) for c in placed]
    rows = []
    for index, commune in enumerate(rng.choices(placed, weights=weights, k=count)):
        lat, lon = round_location(commune.lat, commune.lon)  # type: ignore[arg-type]
        rows.append(
            {
                "id": 10_000_000 + index,
                "locale": "fr",
                "language_code": "fr",  # their Telegram's, as last seen
                "lat": lat,
                "lon": lon,
                "commune_insee": commune.insee,
                "radius_km": 25,
                "created_at": NOW,
                "updated_at": NOW,
                "last_seen_at": SEEN,  # residents who came this week: no retention write
            }
        )
    return rows


async def seed(url: str, campaigns: int, users: int, seed: int = 7) -> float:
    """Fresh migrated database with the given numbers of campaigns and users; returns seconds."""
    started = time.perf_counter()
    await fresh_database(url)
    engine = create_engine(url)
    await migrate(engine)
    gazetteer = Gazetteer.load()
    rng = random.Random(seed)
    async with engine.begin() as conn:
        for table, rows in (
            (Campaign, campaign_rows(gazetteer, campaigns, rng)),
            (User, user_rows(gazetteer, users, rng)),
        ):
            for start in range(0, len(rows), 5000):
                await conn.execute(insert(table), rows[start : start + 5000])
    async with engine.connect() as conn:
        await conn.execute(text("ANALYZE"))
        await conn.commit()
    await engine.dispose()
    return time.perf_counter() - started


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def follow_rows(
    user_ids: list[int], campaign_ids: list[int], count: int, rng: random.Random
) -> list[dict]:
    """`count` distinct follows, spread evenly over the users, each on random campaigns."""
    per_user, extra = divmod(count, len(user_ids))
    rows = []
    for index, user_id in enumerate(user_ids):
        for campaign_id in rng.sample(campaign_ids, per_user + (index < extra)):
            rows.append({"user_id": user_id, "campaign_id": campaign_id, "created_at": NOW})
    return rows


async def insert_rows(url: str, table: type, rows: list[dict], chunk: int = 5000) -> None:
    """Bulk insert into a seeded database, then refresh the planner's statistics."""
    engine = create_engine(url)
    async with engine.begin() as conn:
        for start in range(0, len(rows), chunk):
            await conn.execute(insert(table), rows[start : start + chunk])
    async with engine.connect() as conn:
        await conn.execute(text("ANALYZE"))
        await conn.commit()
    await engine.dispose()
