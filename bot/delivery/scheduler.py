"""The scheduler: APScheduler wakes the alert scan and the delivery worker, nothing more.

The database is the source of truth: jobs keep no state, open their own session, and are rebuilt
at every start-up with fixed ids (replace_existing) in a memory job store. Job defaults coalesce
missed runs into one, allow one instance at a time and a misfire grace period.

- "alert_scan" (every `alert_scan_minutes`):
  `bot.delivery.alerts.scan(session, now=..., settings=...)`
  queues the due alerts in the outbox, committed here; then the worker is woken.
- "platform_sync" (every minute, when the scheduler has the gazetteer):
  `bot.imports.sync.sync_due` reads the operations whose sync source was last tried
  `sync_minutes` ago from their platform, a transaction a page; then the worker is woken.
- "announcements" (every minute, when the scheduler has the gazetteer) and "new_nearby" (every
  `alert_scan_minutes`): bot.delivery.operation_jobs queues the scheduled announcements and the
  reminders due, and "new near you" for the campaigns that started; then the worker is woken.
- "deliver" (every `delivery_idle_seconds`): wakes the long-running DeliveryWorker task, which
  also wakes itself when the next row is due; the job is a safety net, never a second sender.

Stopping (`await stop()`) lets a running job finish for up to STOP_GRACE seconds, then cancels it;
a cancelled scan rolls back and its window is scanned again at the next start (the watermark
moves only with its commit). APScheduler's own shutdown would cancel it and log a traceback.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.alerts import ScanReport, scan
from bot.delivery.operation_jobs import ANNOUNCEMENTS_EVERY, announcements_tick, new_nearby_tick
from bot.delivery.retention import RetentionReport, sweep
from bot.domain.clock import Clock
from bot.domain.gazetteer import Gazetteer
from bot.imports.sync import TICK as SYNC_TICK
from bot.imports.sync import SyncReport, sync_due
from bot.settings import Settings
from storage.models import utcnow

log = logging.getLogger(__name__)

STOP_GRACE = 5.0  # seconds a running job may take to finish when the bot stops


async def alert_scan(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: Clock = utcnow,
    wake: Callable[[], None] | None = None,
) -> ScanReport:
    """Queue the alerts that became due (bot.delivery.alerts.scan), in one transaction."""
    async with sessionmaker() as session:
        result = await scan(session, now=clock(), settings=settings)
        await session.commit()
    log.info("alert scan: %s", result)
    if wake is not None:
        wake()
    return result


async def retention_sweep(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, clock: Clock = utcnow
) -> RetentionReport:
    """Warn and erase inactive residents, purge old notifications (bot.delivery.retention)."""
    async with sessionmaker() as session:
        report = await sweep(session, now=clock(), settings=settings)
        await session.commit()
    return report


async def platform_sync(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    gazetteer: Gazetteer,
    clock: Clock = utcnow,
    wake: Callable[[], None] | None = None,
) -> list[SyncReport]:
    """Sync the operations due (bot.imports.sync); wake the worker for the alerts it queued."""
    reports = await sync_due(sessionmaker, settings, gazetteer, clock)
    if reports and wake is not None:
        wake()
    return reports


async def deliver(wake: Callable[[], None]) -> None:
    """Wake the delivery worker (a coroutine, so it runs on the loop and not in a thread)."""
    wake()


class Scheduler:
    """A small seam over AsyncIOScheduler: start() builds the jobs, shutdown() stops them."""

    def __init__(
        self,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
        wake: Callable[[], None],
        clock: Callable[[], datetime] = utcnow,
        gazetteer: Gazetteer | None = None,
    ) -> None:
        self.settings, self.sessionmaker, self.wake, self.clock = (
            settings,
            sessionmaker,
            wake,
            clock,
        )
        self.gazetteer = gazetteer  # the platform sync places new projects with it
        self._running: set[asyncio.Task[Any]] = set()
        self._stopping = False
        self.scheduler = AsyncIOScheduler(
            timezone="UTC",
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": settings.scheduler_misfire_grace_seconds,
            },
        )

    def start(self, scan_now: bool = True) -> None:
        """Build the jobs and start; by default the alert scan runs at once (catch-up)."""
        self.add_jobs(scan_now)
        self.scheduler.start()

    def add_jobs(self, scan_now: bool = False) -> None:
        """Add (or replace, same ids) the jobs."""
        s = self.settings
        self.scheduler.add_job(
            self._run,
            "interval",
            minutes=s.alert_scan_minutes,
            id="alert_scan",
            name="alert_scan",
            replace_existing=True,
            args=(alert_scan, self.sessionmaker, s, self.clock, self.wake),
            **({"next_run_time": utcnow()} if scan_now else {}),
        )
        self.scheduler.add_job(
            self._run,
            "interval",
            hours=24,
            id="retention",
            name="retention",
            replace_existing=True,
            args=(retention_sweep, self.sessionmaker, s, self.clock),
        )
        if self.gazetteer is not None:
            self.scheduler.add_job(
                self._run,
                "interval",
                seconds=SYNC_TICK.total_seconds(),
                id="platform_sync",
                name="platform_sync",
                replace_existing=True,
                args=(platform_sync, self.sessionmaker, s, self.gazetteer, self.clock, self.wake),
            )
            self.scheduler.add_job(
                self._run,
                "interval",
                seconds=ANNOUNCEMENTS_EVERY.total_seconds(),
                id="announcements",
                name="announcements",
                replace_existing=True,
                args=(
                    announcements_tick,
                    self.sessionmaker,
                    s,
                    self.gazetteer,
                    self.clock,
                    self.wake,
                ),
            )
        self.scheduler.add_job(
            self._run,
            "interval",
            minutes=s.alert_scan_minutes,
            id="new_nearby",
            name="new_nearby",
            replace_existing=True,
            args=(new_nearby_tick, self.sessionmaker, s, self.clock, self.wake),
        )
        self.scheduler.add_job(
            self._run,
            "interval",
            seconds=s.delivery_idle_seconds,
            id="deliver",
            name="deliver",
            replace_existing=True,
            args=(deliver, self.wake),
        )

    async def _run(self, job: Callable[..., Awaitable[Any]], *args: Any) -> Any:
        """Run a job, known to stop() while it runs."""
        task = asyncio.current_task()
        assert task is not None
        self._running.add(task)
        try:
            return await job(*args)
        except asyncio.CancelledError:
            if not self._stopping:
                raise
            log.info(
                "%s: cancelled as the bot stops; it runs again at the next start", job.__name__
            )
            return None
        finally:
            self._running.discard(task)

    async def stop(self, grace: float = STOP_GRACE) -> None:
        """No new runs; a running job may finish within `grace` seconds, then it is cancelled."""
        if not self.scheduler.running:
            return
        self._stopping = True
        self.scheduler.pause()
        running = set(self._running)
        if running:
            _done, late = await asyncio.wait(running, timeout=grace)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late)
        self.shutdown()

    def shutdown(self) -> None:
        """Stop at once (a running job would be cancelled by APScheduler: prefer stop())."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def job_ids(self) -> list[str]:
        return sorted(job.id for job in self.scheduler.get_jobs())
