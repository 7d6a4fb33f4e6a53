"""The platform sync: an operation's Ulule projects kept in step with its campaigns.

Every `sync_minutes`, each operation with a `sync_source` is read (bot.imports.ulule), a page at
a time, each page written in its own short transaction (none is open while the platform is
asked). For each project, by (source "ulule", external id), read in bulk:

- a known campaign takes the platform's texts and dates, and its figures through
  `record_progress` (the one milestone function: followers get each milestone once);
  `figures_at` says when they were last confirmed. Figures that are missing or odd are logged
  and the campaign keeps its last good ones (and its `figures_at`).
- a new project becomes a campaign of the operation, in the commune its city names within the
  operation's territory (the gazetteer); one that cannot be placed so (an unknown or ambiguous
  city, another country) is listed in `unplaced_projects` for the coordinators to place by hand.
- a project the platform cancelled is marked `cancelled_at` and its followers are told once (an
  urgent "cancelled" alert); its figures no longer change, and it ends then (`ends_at`), so that
  lists of live and upcoming campaigns, in memory or in SQL, leave it out with no filter of
  their own.

When the platform cannot be read (retries spent), the run stops there: what earlier pages wrote
stays, the rest keeps its last figures, and the operation records `sync_error` and
`sync_tried_at` (cards then say how old the figures are: bot.ui.freshness).
"""

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.alerts import Deliveries, outbox_rows, write
from bot.delivery.progress import record_progress
from bot.domain.alert_times import Alert
from bot.domain.clock import Clock
from bot.domain.gazetteer import Gazetteer
from bot.domain.territory import Area
from bot.imports.placing import create_new, figures_of, search_text
from bot.imports.ulule import SOURCE, Project, UluleClient, UluleError, project_of
from bot.settings import Settings
from storage.models import Campaign, Operation
from storage.repo import alerts as alerts_repo
from storage.repo import operations, platform
from storage.repo import progress as history
from storage.repo.imports import campaigns_by_external_id

log = logging.getLogger(__name__)

TICK = timedelta(minutes=1)  # how often the scheduler looks for operations due
ERROR_LENGTH = 300  # Operation.sync_error
INTERNAL_ERROR = "internal error"


@dataclass
class SyncReport:
    """What one run of one operation did."""

    operation_id: int
    pages: int = 0
    seen: int = 0
    created: int = 0
    changed: int = 0  # figures that changed (through record_progress)
    kept: int = 0  # figures missing or odd: the last good ones kept
    unplaced: int = 0
    cancelled: int = 0
    skipped: int = 0  # new projects that could not become campaigns (no dates, cancelled...)
    error: str | None = None


@dataclass(frozen=True)
class Target:
    """What a run needs of its operation."""

    id: int
    source: str
    areas: tuple[Area, ...] = ()


@dataclass
class Page:
    """One page's projects, sorted by what they need."""

    now: datetime
    gazetteer: Gazetteer
    cancelled: list[Campaign] = field(default_factory=list)
    new: list[Project] = field(default_factory=list)


async def sync_due(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    gazetteer: Gazetteer,
    clock: Clock,
    client: UluleClient | None = None,
) -> list[SyncReport]:
    """Sync every operation whose last try is `sync_minutes` old (or that was never tried), each
    claimed first (see storage.repo.platform.claim). `client`: one not entered yet (tests)."""
    now = clock()
    tried_before = now - timedelta(minutes=settings.sync_minutes) + TICK / 2
    async with sessionmaker() as session:
        due = await platform.operations_due(session, tried_before)
    if not due:
        return []
    reports = []
    async with client or UluleClient(settings) as ulule:
        for operation_id in due:
            async with sessionmaker() as session:
                mine = await platform.claim(session, operation_id, tried_before, now)
                await session.commit()
            if not mine:
                continue  # another process is syncing it
            report = await _run(sessionmaker, operation_id, ulule, gazetteer, settings, clock)
            reports.extend([report] if report else [])
    return reports


async def sync_now(
    sessionmaker: async_sessionmaker[AsyncSession],
    operation_id: int,
    settings: Settings,
    gazetteer: Gazetteer,
    clock: Clock,
    client: UluleClient | None = None,
) -> SyncReport | None:
    """Sync one operation at once (a coordinator's "Sync now"); None when a run of it is in
    progress (the scheduler's or another tap's: storage.repo.platform.claim_now) or it has no
    sync source. The claim keeps the scheduler off it for `sync_minutes`."""
    now = clock()
    async with sessionmaker() as session:
        stale_before = now - timedelta(minutes=settings.sync_minutes)
        mine = await platform.claim_now(session, operation_id, now, stale_before)
        await session.commit()
    if not mine:
        return None
    async with client or UluleClient(settings) as ulule:
        report = await _run(sessionmaker, operation_id, ulule, gazetteer, settings, clock)
    return report or SyncReport(operation_id, error=INTERNAL_ERROR)


async def _run(
    sessionmaker: async_sessionmaker[AsyncSession],
    operation_id: int,
    client: UluleClient,
    gazetteer: Gazetteer,
    settings: Settings,
    clock: Clock,
) -> SyncReport | None:
    """A claimed operation's run; None when a bug ended it (recorded on the operation as
    INTERNAL_ERROR): it must not stop the other operations' syncs."""
    started = clock()
    try:
        return await sync_operation(
            sessionmaker, operation_id, client, gazetteer, settings.timezone, clock
        )
    except Exception:
        log.exception("sync of operation %d failed", operation_id)
        async with sessionmaker() as session:
            await _finish(session, operation_id, INTERNAL_ERROR, started)
            await session.commit()
        return None


async def sync_operation(
    sessionmaker: async_sessionmaker[AsyncSession],
    operation_id: int,
    client: UluleClient,
    gazetteer: Gazetteer,
    tz: str,
    clock: Clock,
) -> SyncReport:
    """Read the operation's listing page by page into its campaigns; one transaction a page."""
    started = clock()
    report = SyncReport(operation_id)
    async with sessionmaker() as session:
        target = await _target(session, operation_id)
    if target is None:
        report.error = "no sync source"
        return report
    try:
        async for items in client.pages(target.source):
            projects = _distinct(project_of(item) for item in items)
            async with sessionmaker() as session:
                await apply_page(session, target, projects, clock(), gazetteer, tz, report)
                await session.commit()
            report.pages += 1
    except UluleError as error:
        report.error = str(error)[:ERROR_LENGTH]
        log.warning("sync of operation %d stopped: %s", operation_id, error)
    async with sessionmaker() as session:
        await _finish(session, operation_id, report.error, started)
        await session.commit()
    log.info("sync: %s", report)
    return report


async def _target(session: AsyncSession, operation_id: int) -> Target | None:
    operation = await session.get(Operation, operation_id)
    if operation is None or not operation.sync_source:
        return None
    keys = await operations.areas_of(session, operation_id)
    areas = tuple(Area(level, code) for level, code in keys)
    return Target(operation_id, operation.sync_source, areas)


def _distinct(projects: Any) -> list[Project]:
    """The page's projects, each once (the last copy of an id wins)."""
    return list({p.external_id: p for p in projects if p is not None}.values())


async def _finish(
    session: AsyncSession, operation_id: int, error: str | None, started: datetime
) -> None:
    """Record the run on the operation; after a success, forget the unplaced projects that a
    coordinator has since placed by hand."""
    operation = await session.get(Operation, operation_id)
    if operation is None:
        return
    operation.sync_tried_at = started
    operation.sync_error = error
    if error is None:
        operation.synced_at = started
        placed = await platform.placed_by_hand(session, operation_id, SOURCE)
        await platform.forget_unplaced(session, SOURCE, placed)


# --- one page --------------------------------------------------------------------------------


async def apply_page(
    session: AsyncSession,
    target: Target,
    projects: Sequence[Project],
    now: datetime,
    gazetteer: Gazetteer,
    tz: str,
    report: SyncReport,
) -> None:
    """Write one page's projects (see the module doc). No commit."""
    page = Page(now, gazetteer)
    existing = await campaigns_by_external_id(session, SOURCE, [p.external_id for p in projects])
    for project in projects:
        report.seen += 1
        campaign = existing.get(project.external_id)
        if campaign is None:
            page.new.append(project)
        else:
            await _refresh(session, campaign, project, target, page, tz, report)
    new = await create_new(session, target.id, target.areas, page.new, now, gazetteer, tz)
    report.created += new.created
    report.unplaced += new.unplaced
    report.skipped += new.skipped
    await _tell_cancelled(session, page.cancelled, now, tz)


async def _refresh(
    session: AsyncSession,
    campaign: Campaign,
    project: Project,
    target: Target,
    page: Page,
    tz: str,
    report: SyncReport,
) -> None:
    """A known campaign takes the project's texts, dates and figures."""
    if campaign.operation_id is None:
        campaign.operation_id = target.id
    if campaign.cancelled_at is not None:
        return  # cancelled: its texts, dates and figures stay as they were
    _texts(campaign, project, page.gazetteer)
    if project.cancelled:
        campaign.cancelled_at = page.now
        campaign.ends_at = min(campaign.ends_at, page.now)
        page.cancelled.append(campaign)
        report.cancelled += 1
        return
    figures = figures_of(project, campaign.goal_cents)
    if figures is None:
        report.kept += 1
        return
    goal, raised, backers = figures
    if (campaign.raised_cents, campaign.backers) != (raised, backers):
        report.changed += 1
    campaign.goal_cents = goal  # before the percent is taken
    await record_progress(session, campaign, raised, backers, page.now, tz, source=history.SYNC)
    campaign.figures_at = page.now


def _texts(campaign: Campaign, project: Project, gazetteer: Gazetteer) -> None:
    """Title, holder, summary, page and dates, where the project gave good ones."""
    words = (campaign.title, campaign.holder, campaign.description)
    campaign.title = (project.title or campaign.title)[:200]
    campaign.holder = project.holder or campaign.holder
    campaign.description = project.summary or campaign.description
    if (campaign.title, campaign.holder, campaign.description) != words:
        campaign.search_text = search_text(campaign, gazetteer)
    campaign.url = project.url or campaign.url
    if project.starts_at and project.ends_at and project.starts_at < project.ends_at:
        campaign.starts_at, campaign.ends_at = project.starts_at, project.ends_at


# --- cancellations ---------------------------------------------------------------------------


async def _tell_cancelled(
    session: AsyncSession, campaigns: Sequence[Campaign], now: datetime, tz: str
) -> int:
    """Queue the "cancelled" alert to each follower of these campaigns (once: its dedup key)."""
    if not campaigns:
        return 0
    by_campaign: defaultdict[int, list[Any]] = defaultdict(list)
    for follower in await alerts_repo.followers(session, [c.id for c in campaigns]):
        by_campaign[follower.campaign_id].append(follower)
    deliveries = Deliveries(tz)
    rows = [
        row
        for campaign in campaigns
        for row in outbox_rows(
            Alert(
                "cancelled",
                f"cancelled:{campaign.id}",
                campaign.id,
                now,
                {"campaign": campaign.id, "title": campaign.title},
            ),
            by_campaign[campaign.id],
            now=now,
            deliveries=deliveries,
        )
    ]
    return await write(session, rows)
