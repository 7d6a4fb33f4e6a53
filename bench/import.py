"""Benchmark: `python -m bot import` of a generated 50,000-row CSV (2 rewards a row), then the
same file again (every row updated, rewards replaced), on a scratch database.

The import streams the file and commits every 1,000 rows, so its memory does not grow with the
file. Prints {"rows", "import_s", "reimport_s", "peak_rss_mb"} on its last line (peak RSS of this
process: the generation of the file, the gazetteer and both imports).
Goal: peak RSS <= 200 MB, each pass <= 30 s on SQLite.
"""

import argparse
import asyncio
import csv
import json
import random
import resource
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from common import NOW, bench_url, fresh_database

from bot.__main__ import cli_text
from bot.domain.gazetteer import Gazetteer
from bot.imports.importer import run_import
from bot.settings import Settings

COLUMNS = [
    *("external_id", "title", "holder", "category", "commune", "goal_eur", "raised_eur"),
    *("backers", "starts_at", "ends_at", "url", "description", "rewards"),
]


def write_csv(path: Path, gazetteer: Gazetteer, count: int) -> None:
    """`count` campaigns in communes drawn at random, written one row at a time."""
    rng = random.Random(11)
    placed = [c for c in gazetteer if c.lat is not None and c.lon is not None]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for index in range(count):
            commune = rng.choice(placed)
            start = (NOW + timedelta(days=rng.randint(-60, 20))).date()
            goal = rng.randint(10, 400) * 100
            writer.writerow(
                [
                    f"c{index}",
                    f"Projet {index} à {commune.name}",
                    f"Porteur {index}",
                    rng.choice(["culture", "business", "environment", "solidarity"]),
                    commune.insee,
                    goal,
                    round(goal * rng.uniform(0, 2), 2),
                    rng.randint(0, 300),
                    start.isoformat(),
                    (start + timedelta(days=rng.randint(20, 60))).isoformat(),
                    f"https://example.org/projets/{index}",
                    "Une description courte du projet, de ses porteurs et de son territoire.",
                    f"Merci|10;Kit|{rng.randint(20, 300)}|{rng.randint(1, 50)}",
                ]
            )


async def timed_import(settings: Settings, path: Path, gazetteer: Gazetteer) -> float:
    started = time.perf_counter()
    code = await run_import(settings, path, "bench", cli_text, gazetteer)
    if code != 0:
        sys.exit(f"import failed with exit code {code}")
    return time.perf_counter() - started


async def main(rows: int) -> dict[str, float | int]:
    url = bench_url("import")
    await fresh_database(url)
    settings = Settings(_env_file=None, database_url=url)
    gazetteer = Gazetteer.load()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "campaigns.csv"
        write_csv(path, gazetteer, rows)
        import_s = await timed_import(settings, path, gazetteer)
        reimport_s = await timed_import(settings, path, gazetteer)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "rows": rows,
        "import_s": round(import_s, 1),
        "reimport_s": round(reimport_s, 1),
        "peak_rss_mb": round(peak_kb / 1024),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=50_000)
    figures = asyncio.run(main(parser.parse_args().rows))
    print(json.dumps(figures))
