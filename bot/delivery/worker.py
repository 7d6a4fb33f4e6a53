"""The delivery worker: the one path through which every notification is sent.

A long-running task (started by bot.app, or `python -m bot deliver` as its own process):

1. **Claim** the due rows of the oldest due users (status `sending`, claimed_at) and commit BEFORE
   anything is sent. Rows of blocked users are closed `blocked`, kinds the user turned off
   `skipped`, rows waiting longer than the grace since their not_before `missed`; the rest is
   rendered, one message per user (bot.ui.notifications.render_messages).
2. **Send** concurrently (at most `delivery_concurrency` in flight), paced (bot.delivery.pacing) at
   the global rate and one message per second per chat. A 429 pauses every send for `retry_after`
   and the message is sent again (not an attempt).
3. **Record** the answers in small batched commits: sent; 403 → the user is marked blocked and all
   their queued rows too; 400 → failed with the reason; 5xx, timeouts and network errors → pending
   again with exponential backoff, failed after `delivery_max_attempts`.

Several workers may share a database (a rolling restart, `run` beside `deliver`): a claim is a
lease. A worker renews the claims it holds every third of `delivery_lease_seconds`, and takes
back (to pending) only claims older than the lease: those of a worker that is gone. So a row is
sent by one worker at a time; after a crash, its claims wait out the lease, then go out again.
A message sent but not yet recorded when the process died is the only possible duplicate:
duplicates are at most the sends in flight and unrecorded (FLUSH_EVERY) at the kill.

When idle it sleeps until
the next row is due, at most `delivery_idle_seconds`; `wake()` (called by the scheduler's
"deliver" job and after an alert scan) cuts the sleep short. Time (`clock`) and idle/pause
sleeping (`sleep`) are injectable; the pacing itself always uses the event loop's real time.
"""

import asyncio
import logging
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.pacing import ChatSlots, Pacer, Pause, send_notification
from bot.delivery.units import Sorter, Unit
from bot.domain.alert_times import days_to_go
from bot.settings import Settings
from bot.ui.notifications import load_kinds
from storage.models import Outbox, OutboxStatus, utcnow
from storage.repo import claims

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[Any]]

FLUSH_EVERY = 0.1  # seconds between result commits while sending (unrecorded sends may repeat)
FLUSH_SIZE = 200
RETRY = "retry"


@dataclass
class Outcome:
    unit: Unit
    status: str  # an OutboxStatus value, or RETRY
    error: str | None = None


class DeliveryWorker:
    def __init__(
        self,
        bot: Bot,
        sessionmaker: async_sessionmaker[AsyncSession],
        i18n: I18n,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utcnow,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.bot, self.sessionmaker, self.i18n, self.settings = bot, sessionmaker, i18n, settings
        self.clock, self.sleep = clock, sleep
        self.paid = settings.allow_paid_broadcast
        rate = settings.paid_broadcast_rate if self.paid else settings.delivery_rate
        self.pacer = Pacer(rate)
        self.chats = ChatSlots(settings.delivery_per_chat_rate)
        self.pause = Pause()
        self.grace = timedelta(hours=settings.alert_grace_hours)
        self.stats: Counter[str] = Counter()  # sent, blocked, failed, skipped, missed, 429, retry
        self.sorter = Sorter(settings, i18n, self.grace, self.stats)
        self._slots = asyncio.Semaphore(settings.delivery_concurrency)
        self._db = asyncio.Lock()
        self._results: list[Outcome] = []
        self._last_flush = 0.0
        self._dry_until = 0.0
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self.lease = timedelta(seconds=settings.delivery_lease_seconds)
        self._held: set[int] = set()  # ids claimed and not yet recorded or released
        self._next_lease_check = 0.0

    # --- control

    def wake(self) -> None:
        """Look at the outbox now (new rows were queued)."""
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    async def recover(self) -> int:
        """Renew this worker's claims and take back those whose lease ended (their worker is
        gone); run at start-up and every third of the lease."""
        self._next_lease_check = time.monotonic() + self.lease.total_seconds() / 3
        async with self._db, self.sessionmaker() as session:
            now = self.clock()
            await claims.renew(session, self._held, now)
            count = await claims.take_back(session, now - self.lease, self._held)
            await session.commit()
        if count:
            log.warning("outbox: %d rows left in flight by a worker that is gone: re-queued", count)
        return count

    async def run(self, *, until_empty: bool = False) -> None:
        """Deliver until stop() (or, with until_empty, until no row is pending or in flight)."""
        load_kinds()
        ready: deque[Unit] = deque()
        tasks: set[asyncio.Task[None]] = set()
        try:
            while not self._stop.is_set():
                if time.monotonic() >= self._next_lease_check:
                    await self.recover()
                if len(ready) < self.settings.delivery_concurrency and self._may_claim():
                    ready.extend(await self._claim())
                if ready:
                    await self._slots.acquire()
                    task = asyncio.create_task(self._deliver(ready.popleft()))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                elif tasks:
                    await asyncio.wait(tasks, timeout=FLUSH_EVERY)
                else:
                    await self._flush()
                    if not await self._idle(until_empty):
                        return
                await self._flush(force=False)
        finally:
            await self._shutdown(ready, tasks)

    # --- claiming

    def _may_claim(self) -> bool:
        return time.monotonic() >= self._dry_until

    async def _claim(self) -> list[Unit]:
        self._wake.clear()  # a wake() from now on is for rows this claim may not see
        async with self._db, self.sessionmaker() as session:
            now = self.clock()
            rows = await claims.claim_due(session, now, self.settings.delivery_batch)
            users = await claims.users_by_id(session, (row.user_id for row in rows))
            await self._refresh_figures(session, rows, now)
            units, closed = self.sorter.sort(rows, users, now)
            for status, group in closed.items():
                await claims.finish(session, group.ids, status, now, _reasons(group.reasons))
            await session.commit()
        self._held.update(i for unit in units for i in unit.ids)
        if not rows:
            self._dry_until = time.monotonic() + FLUSH_EVERY
        return units

    async def _refresh_figures(
        self, session: AsyncSession, rows: Sequence[Outbox], now: datetime
    ) -> None:
        """A deadline alert says what is missing as of its sending, not of its queuing.

        Quiet hours or a digest may hold it for hours while people contribute; the row then
        records what was actually sent.
        """
        deadlines = [row for row in rows if row.kind == "deadline" and row.campaign_id]
        ids = [row.campaign_id for row in deadlines if row.campaign_id is not None]
        figures = await claims.campaign_figures(session, ids)
        for row in deadlines:
            current = figures.get(row.campaign_id or 0)
            if current is not None:
                ends_at = datetime.fromisoformat(str(row.content["ends_at"]))
                days = days_to_go(now, ends_at, self.settings.timezone)
                row.content = {**row.content, **current, "days": days}

    # --- sending

    async def _deliver(self, unit: Unit) -> None:
        try:
            outcome = await self._send(unit)
        except Exception as error:  # never lose a row: anything unexpected is retried
            log.exception("outbox: unexpected error sending to %s", unit.user_id)
            outcome = Outcome(unit, RETRY, f"{type(error).__name__}: {error}")
        finally:
            self._slots.release()
        if outcome.status != OutboxStatus.SENT:
            self.chats.release(unit.user_id)
        self._results.append(outcome)

    async def _send(self, unit: Unit) -> Outcome:
        await self.chats.turn(unit.user_id)
        while True:
            while (left := self.pause.left(self.clock())) > 0:
                await self.sleep(left)
            await self.pacer.acquire()
            if self.pause.left(self.clock()) > 0:
                continue
            try:
                await send_notification(
                    self.bot,
                    unit.user_id,
                    unit.text,
                    paid=self.paid,
                    timeout=self.settings.delivery_request_timeout,
                )
                return Outcome(unit, OutboxStatus.SENT)
            except TelegramRetryAfter as error:
                self.stats["429"] += 1
                self.pause.start(self.clock(), error.retry_after)
            except TelegramForbiddenError as error:
                return Outcome(unit, OutboxStatus.BLOCKED, error.message)
            except TelegramBadRequest as error:
                return Outcome(unit, OutboxStatus.FAILED, error.message)
            except (TelegramServerError, TelegramNetworkError, TelegramUnauthorizedError) as error:
                return Outcome(unit, RETRY, f"{type(error).__name__}: {error.message}")
            except TimeoutError:
                return Outcome(unit, RETRY, "timeout")
            except TelegramAPIError as error:
                return Outcome(unit, OutboxStatus.FAILED, f"{type(error).__name__}: {error}")

    # --- recording

    async def _flush(self, force: bool = True) -> None:
        due = time.monotonic() - self._last_flush >= FLUSH_EVERY
        if not self._results or not (force or due or len(self._results) >= FLUSH_SIZE):
            return
        results, self._results = self._results, []
        self._last_flush = time.monotonic()
        async with self._db, self.sessionmaker() as session:
            now = self.clock()
            await self._record(session, results, now)
            await session.commit()
        self._held.difference_update(i for result in results for i in result.unit.ids)

    async def _record(self, session: AsyncSession, results: list[Outcome], now: datetime) -> None:
        by_status: dict[tuple[str, str | None], list[int]] = {}
        blocked: list[int] = []
        for result in results:
            status, error = result.status, result.error
            if status == RETRY:
                status, error = await self._retry(session, result, now)
                if status == RETRY:
                    continue
            if status == OutboxStatus.BLOCKED:
                blocked.append(result.unit.user_id)
            by_status.setdefault((status, error), []).extend(result.unit.ids)
            self.stats[str(status)] += 1
            self._log(result.unit, status, error)
        for (status, error), ids in by_status.items():
            await claims.finish(session, ids, status, now, error, tried=True)
        await claims.block_users(session, blocked, now)

    async def _retry(
        self, session: AsyncSession, result: Outcome, now: datetime
    ) -> tuple[str, str | None]:
        unit, attempts = result.unit, result.unit.attempts
        if attempts >= self.settings.delivery_max_attempts:
            return OutboxStatus.FAILED, f"gave up after {attempts} attempts: {result.error}"
        delay = min(
            self.settings.delivery_backoff_base * 2 ** (attempts - 1),
            self.settings.delivery_backoff_max,
        )
        await claims.retry_later(
            session, unit.ids, now + timedelta(seconds=delay), result.error or ""
        )
        self.stats["retry"] += 1
        log.info("outbox: retry to %s in %.1fs (%s)", unit.user_id, delay, result.error)
        return RETRY, None

    def _log(self, unit: Unit, status: str, error: str | None) -> None:
        kinds = ",".join(row.kind for row in unit.rows)
        if status == OutboxStatus.SENT:
            log.debug("outbox sent: %s to user %s", kinds, unit.user_id)
        else:
            log.info("outbox %s: %s to user %s (%s)", status, kinds, unit.user_id, error)

    # --- idling and stopping

    async def _idle(self, until_empty: bool) -> bool:
        """Sleep until the next row is due or wake(); False when until_empty and nothing is left."""
        async with self.sessionmaker() as session:
            next_due = await claims.next_due(session, self.lease)
        if next_due is None and until_empty:
            return False
        if self._stop.is_set():  # stop() came during the read: do not start a sleep
            return True
        wait = self.settings.delivery_idle_seconds
        if next_due is not None:
            wait = min(wait, (next_due - self.clock()).total_seconds())
        if wait <= 0:
            self._dry_until = 0.0
            return True
        waker = asyncio.create_task(self._wake.wait())
        sleeper: asyncio.Future[Any] = asyncio.ensure_future(self.sleep(wait))
        await asyncio.wait({waker, sleeper}, return_when=asyncio.FIRST_COMPLETED)
        for task in (waker, sleeper):
            task.cancel()
        self._dry_until = 0.0
        return True

    async def _shutdown(self, ready: deque[Unit], tasks: set[asyncio.Task[None]]) -> None:
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        await self._flush()
        if ready:
            ids = [i for unit in ready for i in unit.ids]
            async with self._db, self.sessionmaker() as session:
                await claims.release(session, ids)
                await session.commit()
            self._held.difference_update(ids)
        log.info("outbox: worker stopped; %s", dict(self.stats))


def _reasons(reasons: list[str]) -> str | None:
    distinct = sorted(set(reasons))
    return "; ".join(distinct) if distinct else None
