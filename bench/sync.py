"""Benchmark: a platform sync of 2,000 projects (20 pages of 100) from the local fake of Ulule's
API, where 10 % changed since the previous sync.

Runs on the database DATABASE_URL points at (a scratch database beside it; SQLite by default).
An operation over the Centre-Val de Loire region lists 2,000 live projects in its communes; a
first sync creates their campaigns (timed as `first_sync_s`), 10,000 follows are added, then 200
projects raise more (about half of them crossing a milestone, so alerts are queued to their
followers) and a second sync reads all 2,000 again: `sync_s`, the figure the goal is about. The
fake serves from the same process, so its JSON encoding is counted in the time.
Prints {"projects", "changed", "sync_s", "first_sync_s", "alerts", "backend"} on its last line.
Goal: sync_s <= 5 on SQLite and on PostgreSQL.
"""

import json
import random
import time
from datetime import timedelta

from common import NOW, bench_url, follow_rows, fresh_database, insert_rows, run
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.devtools.fakeulule import FakeUlule, project_doc
from bot.domain.gazetteer import Gazetteer
from bot.imports.sync import sync_operation
from bot.imports.ulule import UluleClient
from bot.settings import Settings
from storage.db import create_engine, create_sessionmaker, migrate
from storage.models import Campaign, Follow, Operation, OperationArea, Outbox, User

PROJECTS = 2_000
PAGE = 100
CHANGED = 200
USERS = 2_000
FOLLOWS = 10_000
REGION = "24"  # Centre-Val de Loire


def cities(gazetteer: Gazetteer, rng: random.Random) -> list[str]:
    """Names of communes of the region that no other commune of the region shares."""
    names: dict[str, int] = {}
    for commune in gazetteer:
        if commune.region == REGION and commune.lat is not None:
            names[commune.name] = names.get(commune.name, 0) + 1
    unique = sorted(name for name, count in names.items() if count == 1)
    return [rng.choice(unique) for _ in range(PROJECTS)]


def publish(fake: FakeUlule, gazetteer: Gazetteer, rng: random.Random) -> None:
    start = NOW - timedelta(days=10)
    for number, city in enumerate(cities(gazetteer, rng), start=1):
        goal = rng.randint(10, 400) * 100
        doc = project_doc(
            number,
            city=city,
            goal=goal,
            raised=round(goal * rng.uniform(0, 0.45), 2),
            supporters=rng.randint(0, 100),
            start=start,
            end=start + timedelta(days=40),
        )
        fake.add(doc, user=42)


def change(fake: FakeUlule, rng: random.Random) -> None:
    """200 projects raise more: 5 to 40 % of their goal."""
    for id_ in rng.sample(sorted(fake.projects), CHANGED):
        doc = fake.projects[id_]
        doc["amount_raised"] = round(doc["amount_raised"] + doc["goal"] * rng.uniform(0.05, 0.4), 2)
        doc["supporters_count"] += rng.randint(1, 20)


async def prepare(url: str) -> int:
    await fresh_database(url)
    engine = create_engine(url)
    await migrate(engine)
    async with create_sessionmaker(engine)() as session:
        operation = Operation(name="Make in Loire Valley", sync_source="users/42")
        session.add(operation)
        await session.flush()
        session.add(OperationArea(operation_id=operation.id, level="region", code=REGION))
        await session.commit()
        operation_id = operation.id
    await engine.dispose()
    return operation_id


async def timed_sync(url: str, operation_id: int, fake: FakeUlule, gazetteer: Gazetteer) -> float:
    settings = Settings(database_url=url, ulule_api_url=fake.api_url, _env_file=None)
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    async with UluleClient(settings) as client:
        started = time.perf_counter()
        report = await sync_operation(
            sessionmaker, operation_id, client, gazetteer, settings.timezone, lambda: NOW
        )
        elapsed = time.perf_counter() - started
    await engine.dispose()
    assert report.error is None and report.seen == PROJECTS, report
    return elapsed


async def add_follows(url: str, rng: random.Random) -> None:
    users = [20_000_000 + index for index in range(USERS)]
    await insert_rows(
        url,
        User,
        [{"id": u, "radius_km": 25, "created_at": NOW, "updated_at": NOW} for u in users],
    )
    engine = create_engine(url)
    async with engine.connect() as conn:
        ids = list(await conn.scalars(select(Campaign.id)))
    await engine.dispose()
    await insert_rows(url, Follow, follow_rows(users, ids, FOLLOWS, rng))


async def count_alerts(url: str) -> int:
    engine = create_engine(url)
    async with engine.connect() as conn:
        alerts = await conn.scalar(select(func.count()).select_from(Outbox))
    await engine.dispose()
    return int(alerts or 0)


async def measure(url: str) -> dict[str, object]:
    rng = random.Random(13)
    gazetteer = Gazetteer.load()
    operation_id = await prepare(url)
    async with FakeUlule(page_size=PAGE) as fake:
        publish(fake, gazetteer, rng)
        first = await timed_sync(url, operation_id, fake, gazetteer)
        await add_follows(url, rng)
        change(fake, rng)
        second = await timed_sync(url, operation_id, fake, gazetteer)
        pages = len(fake.requests) // 2
    return {
        "projects": PROJECTS,
        "pages": pages,
        "changed": CHANGED,
        "sync_s": round(second, 3),
        "first_sync_s": round(first, 3),
        "alerts": await count_alerts(url),
        "backend": make_url(url).get_backend_name(),
    }


def main() -> None:
    result = run(measure(bench_url("sync")))
    print("goal: sync_s <= 5 (SQLite and PostgreSQL)")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
