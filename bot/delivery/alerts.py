"""Alerts to followers: who gets a row, and the scan that queues the time-based ones (when each
is due: bot.domain.alert_times). A launch goes to those who followed before the start (a later
follower found it live).

Quiet hours and the digest hour then set `not_before` (bot.domain.quiet_hours.deliver_at). A
deadline or launch alert that could only be sent once its campaign has ended (a catch-up after
downtime, quiet hours or the digest past the end) is recorded `missed`, never sent. Each row's
dedup key is `<kind>:<detail>:<campaign>:<user>`, so an alert is queued at most once per follower.

Rows are written for every follower so the outbox says what happened: `pending`; `blocked` when the
user blocked the bot (as the worker records it); `skipped` when they turned the kind off (reason in
`last_error`); `missed` when the alert became due before `now - alert_grace_hours` (a downtime):
recorded, never sent. The worker checks blocked and toggles again at send time.
"""

import asyncio
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.alert_times import DEADLINE_DAYS, Alert, timed_alerts
from bot.domain.quiet_hours import deliver_at
from bot.settings import Settings
from bot.ui.notifications import TOGGLES
from storage.models import OutboxStatus
from storage.repo import alerts as repo
from storage.repo import outbox

log = logging.getLogger(__name__)

SCAN_JOB = "alert_scan"
# A due time falls from 16 h before to 11 h after its campaign's start or end (moved N days earlier
# for the N-day deadline), DST included: the SQL prefilter's bounds, with an hour to spare.
BEFORE, AFTER = timedelta(hours=12), timedelta(hours=17)
BATCH = 2500  # outbox rows per insert while the scan builds the next ones


@dataclass
class ScanReport:
    """What one scan wrote: new rows by status (skipped counts blocked too), rows seen by kind."""

    start: datetime
    end: datetime
    queued: int = 0
    missed: int = 0
    skipped: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)


class Deliveries:
    """deliver_at per follower, computed once per distinct (due, quiet hours, digest) setting."""

    def __init__(self, tz: str) -> None:
        self.tz = tz
        self._cache: dict[tuple[Any, ...], datetime] = {}

    def __call__(self, due_at: datetime, prefs: Any) -> datetime:
        key = (due_at, prefs.quiet_hours, prefs.quiet_start, prefs.quiet_end, prefs.digest_hour)
        if key not in self._cache:
            self._cache[key] = deliver_at(due_at, prefs, tz=self.tz)
        return self._cache[key]


def outbox_rows(
    alert: Alert,
    followers: Iterable[Any],
    *,
    now: datetime,
    deliveries: Deliveries,
    oldest: datetime | None = None,
) -> list[dict[str, Any]]:
    """The alert's outbox row for each follower (see the module doc for the statuses)."""
    toggle = TOGGLES[alert.kind]
    rows = []
    for follower in followers:
        if alert.kind == "launch" and follower.followed_at > alert.due_at:
            continue  # followed it once it was live: nothing to announce
        status, reason = OutboxStatus.PENDING, None
        not_before = deliveries(alert.due_at, follower)
        if follower.blocked_at is not None:
            status, reason = OutboxStatus.BLOCKED, "blocked"
        elif not getattr(follower, toggle):
            status, reason = OutboxStatus.SKIPPED, f"{toggle} is off"
        elif oldest is not None and alert.due_at < oldest:
            status, reason = OutboxStatus.MISSED, "due during a downtime, past the grace period"
        elif alert.void_from is not None and max(now, not_before) >= alert.void_from:
            status, reason = OutboxStatus.MISSED, "the campaign ended before it could be sent"
        pending = status is OutboxStatus.PENDING
        rows.append(
            {
                "user_id": follower.user_id,
                "kind": alert.kind,
                "campaign_id": alert.campaign_id,
                "dedup_key": f"{alert.key}:{follower.user_id}",
                "content": alert.content,
                "status": status.value,
                "attempts": 0,
                "due_at": alert.due_at,
                "not_before": not_before if pending else alert.due_at,
                "created_at": now,
                "finished_at": None if pending else now,
                "last_error": reason,
            }
        )
    return rows


async def write(
    session: AsyncSession, rows: Sequence[dict[str, Any]], report: ScanReport | None = None
) -> int:
    """Insert-or-ignore the rows; counts what was new into the report. Returns rows inserted."""
    by_status: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_status[row["status"]].append(row)
    inserted = 0
    for status, group in by_status.items():
        count = await outbox.enqueue_many(session, group)
        inserted += count
        if report is not None:
            if status == OutboxStatus.PENDING:
                report.queued += count
            elif status == OutboxStatus.MISSED:
                report.missed += count
            else:
                report.skipped += count
    if report is not None:
        report.by_kind.update(row["kind"] for row in rows)
    return inserted


def batches(
    due: Iterable[Alert],
    followers: dict[int, list[Any]],
    *,
    now: datetime,
    oldest: datetime,
    tz: str,
) -> Iterator[list[dict[str, Any]]]:
    """The due alerts' outbox rows, about BATCH at a time."""
    deliveries = Deliveries(tz)
    rows: list[dict[str, Any]] = []
    for alert in due:
        rows += outbox_rows(
            alert, followers[alert.campaign_id], now=now, deliveries=deliveries, oldest=oldest
        )
        if len(rows) >= BATCH:
            yield rows
            rows = []
    if rows:
        yield rows


async def write_while_building(
    session: AsyncSession, batches: Iterable[list[dict[str, Any]]], report: ScanReport
) -> None:
    """write() each batch while the next one is built: the database works in the meantime.

    One write at a time (they share the session's connection); at most one batch is built ahead.
    """
    writing: asyncio.Task[int] | None = None
    try:
        for rows in batches:
            if writing is not None:
                await writing
            writing = asyncio.create_task(write(session, rows, report))
            await asyncio.sleep(0)  # let it send its statement before the next batch is built
        if writing is not None:
            await writing
    finally:
        if writing is not None and not writing.done():  # never leave the session in use
            await asyncio.wait([writing])


async def scan(session: AsyncSession, *, now: datetime, settings: Settings) -> ScanReport:
    """Queue the deadline, launch and result alerts due in (watermark, now]; no commit."""
    tz = settings.timezone
    grace = timedelta(hours=settings.alert_grace_hours)
    start = await repo.watermark(session, SCAN_JOB) or now - grace
    report = ScanReport(start=start, end=now)
    if now <= start:
        return report
    ending = [
        (start + timedelta(days=d) - BEFORE, now + timedelta(days=d) + AFTER)
        for d in (*DEADLINE_DAYS, 0)
    ]
    campaigns = await repo.candidates(
        session, ending=ending, starting=(start - BEFORE, now + AFTER)
    )
    due = [alert for row in campaigns for alert in timed_alerts(row, tz, start, now)]
    if due:
        by_campaign: dict[int, list[Any]] = defaultdict(list)
        for follower in await repo.followers(session, sorted({a.campaign_id for a in due})):
            by_campaign[follower.campaign_id].append(follower)
        rows = batches(due, by_campaign, now=now, oldest=now - grace, tz=tz)
        await write_while_building(session, rows, report)
    await repo.set_watermark(session, SCAN_JOB, now)
    log.info(
        "alert scan (%s, %s]: %d queued, %d missed, %d skipped",
        start.isoformat(),
        now.isoformat(),
        report.queued,
        report.missed,
        report.skipped,
    )
    return report
