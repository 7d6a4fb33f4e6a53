"""`python -m bot import FILE`: campaigns from a CSV or JSON file, validated row by row.

Three layers: `read_records` (file → numbered raw rows), `parse_rows` in `bot.imports.rows` (pure
validation → inputs and rejections) and `import_campaigns` (upsert by (source, external_id));
`run_import` wires them to a database transaction and prints the report.
"""

import csv
import io
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.progress import record_progress
from bot.domain.gazetteer import Gazetteer
from bot.imports.rows import (
    COLUMNS,
    REQUIRED,
    CampaignInput,
    Record,
    Rejection,
    parse_rows,
)
from bot.settings import Settings
from storage.db import in_migrated_session
from storage.models import Campaign, Reward
from storage.repo.imports import campaigns_by_external_id

# Row parsing lives in bot.imports.rows; these names stay importable from here.
__all__ = [
    "COLUMNS",
    "CampaignInput",
    "CliText",
    "ImportFileError",
    "ImportReport",
    "Record",
    "Rejection",
    "import_campaigns",
    "import_records",
    "parse_rows",
    "print_report",
    "read_records",
    "run_import",
]

CliText = Callable[..., str]
T = TypeVar("T")

MAX_SOURCE = 100


@dataclass(frozen=True, slots=True)
class ImportReport:
    created: int
    updated: int
    rejected: int = 0


class ImportFileError(Exception):
    """The whole file cannot be imported; `key` and `values` render the operator's message."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


# --- reading the file -------------------------------------------------------------------------


def read_records(path: Path) -> list[Record]:
    """Numbered raw rows of a CSV or JSON file; ImportFileError when the file cannot be used."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ImportFileError(
            "cli.import.unreadable", path=path, error=error.strerror or error
        ) from error
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:  # spreadsheets on French Windows still save in cp1252
            text = raw.decode("cp1252")
        except UnicodeDecodeError as error:
            raise ImportFileError("cli.import.unreadable", path=path, error=error) from error
    suffix = path.suffix.lower()
    is_json = suffix == ".json" or (suffix != ".csv" and text.lstrip().startswith(("[", "{")))
    return _json_records(text, path) if is_json else _csv_records(text, path)


def _csv_records(text: str, path: Path) -> list[Record]:
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
        if header is None:
            raise ImportFileError("cli.import.empty", path=path)
        columns = [name.strip().lower() for name in header]
        _check_columns(columns, path)
        records: list[Record] = []
        previous = reader.line_num
        for row in reader:
            # A quoted field may span lines: the row starts on the line after the previous one.
            line, previous = previous + 1, reader.line_num
            if any(cell.strip() for cell in row):
                records.append((line, dict(zip(columns, row, strict=False))))
    except csv.Error as error:
        raise ImportFileError(
            "cli.import.bad_csv", path=path, line=reader.line_num, error=error
        ) from error
    return records


def _json_records(text: str, path: Path) -> list[Record]:
    try:
        items = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportFileError("cli.import.bad_json", path=path, error=error) from error
    if not isinstance(items, list):
        raise ImportFileError("cli.import.not_a_list", path=path)
    objects = [item for item in items if isinstance(item, dict)]
    if objects:
        _check_columns({str(key).strip().lower() for item in objects for key in item}, path)
    return list(enumerate(items, start=1))


def _check_columns(columns: Iterable[str], path: Path) -> None:
    missing = [name for name in REQUIRED if name not in set(columns)]
    if missing:
        raise ImportFileError("cli.import.missing_columns", path=path, columns=", ".join(missing))


# --- writing to the database ------------------------------------------------------------------


async def import_campaigns(
    session: AsyncSession,
    inputs: Sequence[CampaignInput],
    source: str,
    *,
    tz: str,
    now: datetime | None = None,
) -> ImportReport:
    """Create or update the source's campaigns by external id; rewards are replaced. No commit."""
    now = now or datetime.now(UTC)
    existing = await campaigns_by_external_id(session, source, (i.external_id for i in inputs))
    created: list[tuple[Campaign, CampaignInput]] = []
    for item in inputs:
        campaign = existing.get(item.external_id)
        if campaign is None:
            campaign = Campaign(
                source=source, external_id=item.external_id, raised_cents=0, backers=0
            )
            session.add(campaign)
            created.append((campaign, item))
        else:
            await record_progress(session, campaign, item.raised_cents, item.backers, now, tz)
        _fill(campaign, item)
    await session.flush()
    # New campaigns report their first figures once they have an id.
    for campaign, item in created:
        await record_progress(session, campaign, item.raised_cents, item.backers, now, tz)
    await session.flush()
    return ImportReport(created=len(created), updated=len(inputs) - len(created))


FILLED = (
    *("title", "holder", "description", "category", "commune_insee", "lat", "lon"),
    *("goal_cents", "starts_at", "ends_at", "url", "search_text"),
)


def _fill(campaign: Campaign, item: CampaignInput) -> None:
    for name in FILLED:
        setattr(campaign, name, getattr(item, name))
    campaign.rewards = [
        Reward(position=position, title=r.title, price_cents=r.price_cents, stock=r.stock)
        for position, r in enumerate(item.rewards)
    ]


async def import_records(
    session: AsyncSession,
    records: Iterable[Record],
    source: str,
    gazetteer: Gazetteer,
    *,
    tz: str,
    now: datetime | None = None,
) -> tuple[ImportReport, list[Rejection]]:
    """Validate and import raw rows: the valid ones are written, the others reported."""
    inputs, rejections = parse_rows(records, gazetteer, tz)
    report = await import_campaigns(session, inputs, source, tz=tz, now=now)
    return replace(report, rejected=len(rejections)), rejections


# --- command line -----------------------------------------------------------------------------


def print_report(report: ImportReport, rejections: Iterable[Rejection], cli_text: CliText) -> None:
    for rejection in rejections:
        reason = cli_text(rejection.reason_key, **rejection.values)
        print(cli_text("cli.import.rejected", line=rejection.line, reason=reason))
    print(cli_text("cli.import.summary", **asdict(report)))


async def run_import(
    settings: Settings,
    path: Path,
    source: str | None,
    cli_text: CliText,
    gazetteer: Gazetteer | None = None,
) -> int:
    """Import a file: 0 when every row was imported, 1 when some were rejected, 2 on file errors."""
    source = source if source is not None else path.name
    try:
        if not 0 < len(source) <= MAX_SOURCE:
            raise ImportFileError("cli.import.bad_source", source=source, max=MAX_SOURCE)
        records = read_records(path)
    except ImportFileError as error:
        print(cli_text(error.key, **error.values), file=sys.stderr)
        return 2
    gazetteer = gazetteer or Gazetteer.load()

    async def work(session: AsyncSession) -> tuple[ImportReport, list[Rejection]]:
        return await import_records(session, records, source, gazetteer, tz=settings.timezone)

    report, rejections = await in_migrated_session(settings.database_url, work)
    print_report(report, rejections, cli_text)
    return 1 if rejections else 0
