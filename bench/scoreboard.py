"""Benchmark: the scoreboard of an operation of 500 projects, as the bot makes it: its campaigns
and their progress history read, then the text, the chart (PNG) and the table (CSV) rendered.

Runs on the database DATABASE_URL points at (a scratch database beside it; SQLite by default).
Each project has 10 points of history (5,000 in all). `render_s` is the median of 5 runs, once
matplotlib is loaded; `first_s` is the first run, matplotlib's import included (what the first
chart after a start-up costs). Prints {"projects", "render_s", "query_s", "text_s", "png_s",
"csv_s", "first_s", "png_kb", "backend"} on its last line. Goal: render_s <= 1.
"""

import json
import random
import statistics
import time
from datetime import timedelta

from common import NOW, bench_url, campaign_rows, fresh_database, run
from sqlalchemy import insert, select

from bot.domain.gazetteer import Gazetteer
from bot.domain.scoreboard import build, project_from, total_over_time
from bot.i18n import create_i18n
from bot.ui import scoreboard as ui
from storage.db import create_engine, create_sessionmaker, migrate
from storage.models import Campaign, Operation, ProgressPoint
from storage.repo import scoreboard as repo

PROJECTS = 500
POINTS = 10  # per project
RUNS = 5
TZ = "Europe/Paris"


async def prepare(url: str) -> int:
    """A fresh database with one operation of PROJECTS campaigns and their history."""
    await fresh_database(url)
    engine = create_engine(url)
    await migrate(engine)
    rng = random.Random(13)
    launch, ends = NOW - timedelta(days=30), NOW + timedelta(days=25)
    async with engine.begin() as conn:
        result = await conn.execute(
            insert(Operation).returning(Operation.id),
            [{"name": "Bench", "launch_at": launch, "ends_at": ends, "created_at": NOW,
              "updated_at": NOW}],
        )  # fmt: skip
        operation_id = result.scalar_one()
        rows = campaign_rows(Gazetteer.load(), PROJECTS, rng)
        for row in rows:
            row.update(operation_id=operation_id, starts_at=launch, ends_at=ends)
        await conn.execute(insert(Campaign), rows)
        ids = (await conn.execute(select(Campaign.id, Campaign.raised_cents))).all()
        points = [
            {"campaign_id": campaign_id, "at": launch + timedelta(days=3 * step),
             "raised_cents": raised * step // POINTS, "backers": step, "source": "import"}
            for campaign_id, raised in ids
            for step in range(1, POINTS + 1)
        ]  # fmt: skip
        await conn.execute(insert(ProgressPoint), points)
    await engine.dispose()
    return operation_id


async def render_once(sessionmaker, operation_id: int, i18n) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """One scoreboard, as handlers.resident.scoreboard makes it; seconds per part."""
    times: dict[str, float] = {}
    started = time.perf_counter()
    async with sessionmaker() as session:
        operation = await session.get(Operation, operation_id)
        projects = [project_from(row) for row in await repo.campaigns(session, operation_id)]
        points = await repo.raised_points(session, operation_id)
    times["query_s"] = time.perf_counter() - started
    with i18n.context(), i18n.use_locale("fr"):
        mark = time.perf_counter()
        board = build(projects, NOW, operation.ends_at, TZ)
        text = ui.board_text(operation.name, board, TZ, operation.ends_at)
        times["text_s"] = time.perf_counter() - mark
        mark = time.perf_counter()
        labels = ui.ChartLabels(operation.name, "goals", "%", "100 %", "total", "€")
        png = ui.chart_png(board, total_over_time(points, projects, NOW), labels)
        times["png_s"] = time.perf_counter() - mark
        mark = time.perf_counter()
        table = ui.board_csv(projects, NOW)
        times["csv_s"] = time.perf_counter() - mark
    times["render_s"] = time.perf_counter() - started
    times["png_kb"] = len(png) / 1024
    assert text and table.count(b"\n") == PROJECTS + 1
    return times


async def main() -> None:
    url = bench_url("scoreboard")
    operation_id = await prepare(url)
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    i18n = create_i18n("fr")
    first = await render_once(sessionmaker, operation_id, i18n)
    runs = [await render_once(sessionmaker, operation_id, i18n) for _ in range(RUNS)]
    await engine.dispose()
    median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    result = {
        "projects": PROJECTS,
        "render_s": round(median["render_s"], 3),
        "query_s": round(median["query_s"], 3),
        "text_s": round(median["text_s"], 3),
        "png_s": round(median["png_s"], 3),
        "csv_s": round(median["csv_s"], 3),
        "first_s": round(first["render_s"], 3),
        "png_kb": round(median["png_kb"], 1),
        "backend": engine.dialect.name,
    }
    print("goal: render_s <= 1")
    print(json.dumps(result))


if __name__ == "__main__":
    run(main())
