"""`python -m bot import FILE --source NAME`: campaigns from a CSV or JSON file, row by row.

Three layers: `read_records` (file → numbered raw rows, streamed), `iter_rows` in
`bot.imports.rows` (pure validation → inputs and rejections) and `import_campaigns` (upsert by
(source, external_id)). An import reads the file twice, one row at a time: `check_records`
validates every row and looks for campaigns another source already has (nothing is written),
then `write_records` writes the valid rows in batches. `run_import` commits each batch.
"""

import sys
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession
from tqdm import tqdm

from bot.delivery.progress import record_progress
from bot.domain.gazetteer import Gazetteer
from bot.imports.files import ImportFileError, read_records
from bot.imports.rows import (
    COLUMNS,
    MAX_SOURCE,
    CampaignInput,
    Record,
    Rejection,
    iter_rows,
    parse_rows,
)
from bot.settings import Settings
from storage.db import in_migrated_session
from storage.models import Campaign
from storage.repo.imports import (
    campaign_identities,
    campaigns_by_external_id,
    insert_campaigns,
    replace_rewards,
)
from storage.repo.progress import IMPORT, add_points

# Row parsing lives in bot.imports.rows; these names stay importable from here.
__all__ = [
    "COLUMNS",
    "CampaignInput",
    "CliText",
    "DuplicateCampaigns",
    "ImportFileError",
    "ImportReport",
    "Record",
    "Rejection",
    "check_records",
    "import_campaigns",
    "import_records",
    "parse_rows",
    "print_report",
    "read_records",
    "run_import",
    "write_records",
]

CliText = Callable[..., str]
AfterBatch = Callable[[int], Awaitable[None]]

# Rows written per flush (and per commit in `run_import`): large enough that the per-statement
# cost vanishes, small enough that memory stays flat.
BATCH = 1000
# Duplicates of other sources listed in full; past that, a count.
LISTED_DUPLICATES = 20


@dataclass(frozen=True, slots=True)
class ImportReport:
    created: int
    updated: int
    rejected: int = 0


@dataclass(frozen=True, slots=True)
class Checked:
    """What the first pass found: how many rows are valid, and why the others are not."""

    valid: int
    rejections: list[Rejection]


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A row of the file that is a campaign another source already has."""

    line: int
    source: str
    external_id: str


class DuplicateCampaigns(Exception):
    """Rows with the (title, holder, commune, starts_at) of another source's campaigns."""

    def __init__(self, duplicates: list[Duplicate]) -> None:
        super().__init__(f"{len(duplicates)} duplicates")
        self.duplicates = duplicates


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
    new: list[Campaign] = []
    rewards: dict[str, list[dict[str, object]]] = {}
    for item in inputs:
        campaign = existing.get(item.external_id)
        if campaign is None:
            # Written below in bulk, never added to the session. With no id yet it has no
            # follower to alert: its first figures only record the milestones crossed.
            campaign = Campaign(source=source, external_id=item.external_id, raised_cents=0)
            _fill(campaign, item)
            await record_progress(
                session, campaign, item.raised_cents, item.backers, now, tz, source=IMPORT
            )
            new.append(campaign)
        else:
            await record_progress(
                session, campaign, item.raised_cents, item.backers, now, tz, source=IMPORT
            )
            _fill(campaign, item)
        rewards[item.external_id] = [
            {"title": r.title, "price_cents": r.price_cents, "stock": r.stock} for r in item.rewards
        ]
    await session.flush()  # the updates
    ids = {c.external_id: c.id for c in existing.values()}
    created = await insert_campaigns(session, [_columns(c) for c in new])
    # The new campaigns' first figures start their progress history (record_progress could
    # not: they had no id yet).
    await add_points(session, [_first_point(c, created[c.external_id], now) for c in new])
    ids |= created
    await replace_rewards(session, {ids[key]: items for key, items in rewards.items()})
    return ImportReport(created=len(new), updated=len(inputs) - len(new))


FILLED = (
    *("title", "holder", "description", "category", "commune_insee", "lat", "lon"),
    *("goal_cents", "starts_at", "ends_at", "url", "search_text"),
)
INSERTED = (*FILLED, "source", "external_id", "raised_cents", "backers", "last_milestone")


def _fill(campaign: Campaign, item: CampaignInput) -> None:
    for name in FILLED:
        setattr(campaign, name, getattr(item, name))


def _first_point(campaign: Campaign, campaign_id: int, now: datetime) -> dict[str, object]:
    return {
        "campaign_id": campaign_id,
        "at": now,
        "raised_cents": campaign.raised_cents,
        "backers": campaign.backers,
        "source": IMPORT,
    }


def _columns(campaign: Campaign) -> dict[str, object]:
    return {name: getattr(campaign, name) for name in INSERTED}


def _identity(title: str, holder: str, commune: str | None, starts_at: datetime) -> int:
    """One campaign whatever its source, as a hash: the first pass keeps one int a row, not the
    texts (a collision, about 1 in 10^10 for two 50,000-row catalogues, only asks for
    --allow-duplicates)."""
    return hash((title, holder, commune, starts_at))


async def check_records(
    session: AsyncSession,
    records: Iterable[Record],
    source: str | None,
    gazetteer: Gazetteer,
    *,
    tz: str,
    allow_duplicates: bool = False,
) -> Checked:
    """First pass: validate every row, write nothing. DuplicateCampaigns when valid rows are
    campaigns another source already has, unless `allow_duplicates`."""
    rejections: list[Rejection] = []
    valid = 0
    rows: dict[int, tuple[int, str]] = {}  # identity -> (line, source) of its first row
    for result in iter_rows(records, gazetteer, tz, source):
        if isinstance(result, Rejection):
            rejections.append(result)
            continue
        valid += 1
        key = _identity(result.title, result.holder, result.commune_insee, result.starts_at)
        rows.setdefault(key, (result.line, result.source))
    if rows and not allow_duplicates:
        duplicates = await _duplicates(session, rows, {s for _, s in rows.values()})
        if duplicates:
            raise DuplicateCampaigns(duplicates)
    return Checked(valid, rejections)


async def _duplicates(
    session: AsyncSession, rows: dict[int, tuple[int, str]], sources: set[str]
) -> list[Duplicate]:
    only = next(iter(sources)) if len(sources) == 1 else None
    found: list[Duplicate] = []
    async for _, other, external_id, title, holder, commune, starts_at in campaign_identities(
        session, except_source=only
    ):
        row = rows.get(_identity(title, holder, commune, starts_at))
        if row is not None and row[1] != other:
            found.append(Duplicate(row[0], other, external_id))
    return sorted(found, key=lambda d: d.line)


async def write_records(
    session: AsyncSession,
    records: Iterable[Record],
    source: str | None,
    gazetteer: Gazetteer,
    *,
    tz: str,
    now: datetime | None = None,
    after_batch: AfterBatch | None = None,
) -> ImportReport:
    """Second pass: write the valid rows, BATCH at a time; `after_batch(rows)` follows each
    batch's flush (to commit it, for instance)."""
    now = now or datetime.now(UTC)
    created = updated = 0
    batch: list[CampaignInput] = []
    rows = (
        item
        for item in iter_rows(records, gazetteer, tz, source)
        if not isinstance(item, Rejection)
    )
    while True:
        batch = list(islice(rows, BATCH))
        if not batch:
            break
        for name in dict.fromkeys(item.source for item in batch):
            group = [item for item in batch if item.source == name]
            report = await import_campaigns(session, group, name, tz=tz, now=now)
            created, updated = created + report.created, updated + report.updated
        if after_batch is not None:
            await after_batch(len(batch))
    return ImportReport(created=created, updated=updated)


async def import_records(
    session: AsyncSession,
    records: Iterable[Record],
    source: str | None,
    gazetteer: Gazetteer,
    *,
    tz: str,
    now: datetime | None = None,
    allow_duplicates: bool = False,
) -> tuple[ImportReport, list[Rejection]]:
    """Validate and import raw rows: the valid ones are written, the others reported. No
    commit. `source` applies to every row; None: each row's `source` column."""
    checked = await check_records(
        session, records, source, gazetteer, tz=tz, allow_duplicates=allow_duplicates
    )
    report = await write_records(session, records, source, gazetteer, tz=tz, now=now)
    return replace(report, rejected=len(checked.rejections)), checked.rejections


# --- command line -----------------------------------------------------------------------------


def print_report(report: ImportReport, rejections: Iterable[Rejection], cli_text: CliText) -> None:
    for rejection in rejections:
        reason = cli_text(rejection.reason_key, **rejection.values)
        print(cli_text("cli.import.rejected", line=rejection.line, reason=reason))
    print(cli_text("cli.import.summary", **asdict(report)))


def print_duplicates(duplicates: list[Duplicate], cli_text: CliText) -> None:
    for duplicate in duplicates[:LISTED_DUPLICATES]:
        print(cli_text("cli.import.duplicate", **asdict(duplicate)), file=sys.stderr)
    if len(duplicates) > LISTED_DUPLICATES:
        more = len(duplicates) - LISTED_DUPLICATES
        print(cli_text("cli.import.more_duplicates", count=more), file=sys.stderr)
    print(cli_text("cli.import.duplicates", count=len(duplicates)), file=sys.stderr)


async def run_import(
    settings: Settings,
    path: Path,
    source: str | None,
    cli_text: CliText,
    gazetteer: Gazetteer | None = None,
    *,
    allow_duplicates: bool = False,
) -> int:
    """Import a file: 0 when every row was imported, 1 when some were rejected (the others are
    imported), 2 when nothing was: the file, its source or duplicates of another source.

    Each batch is committed with its campaigns' rewards and alerts: a crash leaves the batches
    before it, which the same import run again completes (rows are updated in place)."""
    gazetteer = gazetteer or Gazetteer.load()

    async def work(session: AsyncSession) -> tuple[ImportReport, list[Rejection]]:
        checked = await check_records(
            session,
            records,
            source,
            gazetteer,
            tz=settings.timezone,
            allow_duplicates=allow_duplicates,
        )
        with _progress_bar(checked.valid, cli_text("cli.import.progress")) as bar:

            async def commit(rows: int) -> None:
                await session.commit()
                session.expunge_all()
                bar.update(rows)

            report = await write_records(
                session, records, source, gazetteer, tz=settings.timezone, after_batch=commit
            )
        return replace(report, rejected=len(checked.rejections)), checked.rejections

    try:
        if source is not None and not 0 < len(source) <= MAX_SOURCE:
            raise ImportFileError("cli.import.bad_source", source=source, max=MAX_SOURCE)
        records = read_records(path, needs_source=source is None)
        report, rejections = await in_migrated_session(settings.database_url, work)
    except ImportFileError as error:
        print(cli_text(error.key, **error.values), file=sys.stderr)
        return 2
    except DuplicateCampaigns as error:
        print_duplicates(error.duplicates, cli_text)
        return 2
    print_report(report, rejections, cli_text)
    return 1 if rejections else 0


def _progress_bar(total: int, label: str) -> tqdm:
    """A bar on stderr when it is a terminal; nothing in a pipe, a log or a test."""
    return tqdm(
        total=total, desc=label, unit=" rows", file=sys.stderr, disable=not sys.stderr.isatty()
    )
