"""Announcement benchmark: a coordinator's announcement to one region, among residents spread over
France by the communes' population (bot.delivery.announcements).

    .venv/bin/python bench/announce.py [--residents 100000] [--region 24]

Times what the Send button runs, targeting and queueing included: the territory's communes from
the gazetteer, the consenting residents living in them read with their quiet hours, one outbox
row each written, the commit. Residents: 60 % said yes, 20 % no, 20 % were never asked; a third
turned quiet hours off, a tenth read a daily digest. Goal: enqueue_s <= 10 on PostgreSQL and
<= 30 on SQLite (DATABASE_URL selects the backend, see common.py). Then the operation's
launch-day reminder to the same residents (bot.delivery.reminders.scan), whose rows each count
the operation's projects (PROJECTS, in the region) within the reader's radius: `launch_s`, held
to the same goal. The last line is one JSON object.
"""

import argparse
import asyncio
import json
import random
import time
from datetime import timedelta

from common import (  # type: ignore[import-not-found]
    NOW,
    bench_url,
    campaign_rows,
    fresh_database,
    user_rows,
)
from sqlalchemy import func, insert, select, text, update

from bot.delivery import reminders
from bot.delivery.announcements import queue_now
from bot.domain.gazetteer import Gazetteer
from storage.db import create_engine, create_sessionmaker, migrate
from storage.geo import cell_of
from storage.models import Broadcast, Campaign, Operation, OperationArea, Outbox, User

GOALS = {"postgresql": 10.0, "sqlite": 30.0}
TZ = "Europe/Paris"
PROJECTS = 40  # the operation's campaigns, launched together


def residents(gazetteer: Gazetteer, count: int) -> list[dict]:
    rng = random.Random(12)
    rows = user_rows(gazetteer, count, rng)
    for row in rows:
        answer = rng.random()
        row["announcements_consent"] = True if answer < 0.6 else False if answer < 0.8 else None
        row["consent_at"] = NOW if row["announcements_consent"] is not None else None
        row["quiet_hours"] = rng.random() >= 1 / 3
        row["digest_hour"] = 18 if rng.random() < 0.1 else None
    return rows


async def seed(url: str, gazetteer: Gazetteer, count: int, region: str) -> int:
    """A fresh database: the residents, one operation on the region; returns the operation's id."""
    await fresh_database(url)
    engine = create_engine(url)
    await migrate(engine)
    rows = residents(gazetteer, count)
    async with engine.begin() as conn:
        for start in range(0, len(rows), 5000):
            await conn.execute(insert(User), rows[start : start + 5000])
        operation_id = await conn.scalar(
            insert(Operation).returning(Operation.id),
            {"name": "Make in Loire Valley", "created_at": NOW, "updated_at": NOW},
        )
        await conn.execute(
            insert(OperationArea),
            {"operation_id": operation_id, "level": "region", "code": region},
        )
    async with engine.connect() as conn:
        await conn.execute(text("ANALYZE"))
        await conn.commit()
    await engine.dispose()
    return int(operation_id)


def expected(gazetteer: Gazetteer, count: int, region: str) -> int:
    """The residents the announcement must reach, counted from the seed itself."""
    return sum(
        1
        for row in residents(gazetteer, count)
        if row["announcements_consent"] is True
        and (commune := gazetteer.by_insee(row["commune_insee"])) is not None
        and commune.region == region
    )


async def announce(url: str, gazetteer: Gazetteer, operation_id: int) -> tuple[float, int, int]:
    """Send one announcement now, as the Send button does; (seconds, recipients, outbox rows)."""
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session:
        announcement = Broadcast(
            kind="announcement", operation_id=operation_id, author_id=1, text="<b>Appel</b>"
        )
        session.add(announcement)
        await session.commit()
        broadcast_id = announcement.id
    started = time.perf_counter()
    async with sessionmaker() as session:
        queued = await queue_now(session, broadcast_id, NOW, TZ, gazetteer)
        assert queued is not None
        recipients = queued.recipients
        await session.commit()
    elapsed = time.perf_counter() - started
    async with sessionmaker() as session:
        rows = await session.scalar(select(func.count()).select_from(Outbox))
    await engine.dispose()
    return elapsed, recipients, int(rows or 0)


async def launch(
    url: str, gazetteer: Gazetteer, operation_id: int, region: str
) -> tuple[float, int]:
    """The operation launches PROJECTS campaigns in the region now; its launch-day reminder is
    queued as the scheduler's job does it: (seconds, recipients)."""
    rng = random.Random(5)
    communes = [c for c in gazetteer if c.region == region and c.lat is not None]
    rows = campaign_rows(gazetteer, PROJECTS, rng)
    for row in rows:
        commune = rng.choice(communes)
        row.update(
            commune_insee=commune.insee, lat=commune.lat, lon=commune.lon, operation_id=operation_id
        )
        row.update(cell=cell_of(row["lat"], row["lon"]), starts_at=NOW)
        row["ends_at"] = NOW + timedelta(days=30)
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(insert(Campaign), rows)
        await conn.execute(
            update(Operation).where(Operation.id == operation_id).values(launch_at=NOW)
        )
    sessionmaker = create_sessionmaker(engine)
    started = time.perf_counter()
    async with sessionmaker() as session:
        [queued] = await reminders.scan(session, NOW, TZ, gazetteer)
        recipients = queued.recipients
        await session.commit()
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return elapsed, int(recipients or 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--region", default="24")  # Centre-Val de Loire
    args = parser.parse_args()
    url = bench_url("announce")
    gazetteer = Gazetteer.load()
    operation_id = asyncio.run(seed(url, gazetteer, args.residents, args.region))
    elapsed, recipients, rows = asyncio.run(announce(url, gazetteer, operation_id))
    assert recipients == rows == expected(gazetteer, args.residents, args.region), (
        recipients,
        rows,
    )
    launch_s, reminded = asyncio.run(launch(url, gazetteer, operation_id, args.region))
    assert reminded == recipients, (reminded, recipients)
    backend = url.split(":", 1)[0].split("+")[0]
    print(f"goal: enqueue_s <= {GOALS[backend]} on {backend} (targeting, queueing, commit)")
    print(f"goal: launch_s <= {GOALS[backend]} on {backend} (the same, a count per reader)")
    result = {
        "residents": args.residents,
        "region": args.region,
        "backend": backend,
        "targeted": recipients,
        "enqueue_s": round(elapsed, 3),
        "launch_s": round(launch_s, 3),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
