"""The delivery worker: the one path through which every notification is sent.

A long-running task (started by bot.app, or `python -m bot deliver` as its own process):

1. **Claim** the due rows of the oldest due users (status `sending`, claimed_at) and commit BEFORE
   anything is sent. Rows of blocked users are closed `blocked`, kinds the user turned off
   `skipped`, rows waiting longer than the grace since their not_before `missed`; the rest is
   rendered, one message per user (bot.ui.notifications.render_messages), and one per
   broadcast's row (a holder's news, a coordinator's announcement: bot.delivery.units).
2. **Send** in lanes: the urgent lane (personal alerts: deadlines, results, milestones, launches)
   before the bulk one (holders' news), whatever their age: claims take urgent rows first, and
   the claimed units wait in lane order (bot.delivery.lanes). The loop takes a send's pacer token
   (the global rate, bot.delivery.pacing) BEFORE it picks the unit and starts its task, so no
   bulk send queues up ahead of an urgent one it has not seen yet; it claims about a second of
   sending at a time (`rate` units: 30 at 30/s), again once half of it is gone or when wake()
   says new rows were queued. What is claimed and not yet sent stays near one second of sending
   (one and a half just after a wake()), so an urgent row queued behind 10,000 news goes out
   within about a second. One message per second per chat; at most `delivery_concurrency`
   requests in flight. A 429 pauses every send for `retry_after` and the message is sent again
   (not an attempt).
3. **Record** the answers in small batched commits: sent; 403 → the user is marked blocked and all
   their queued rows too; 400 → failed with the reason; 5xx, timeouts and network errors → pending
   again with exponential backoff, failed after `delivery_max_attempts`.

Several workers may share a database (a rolling restart, `run` beside `deliver`): a claim is a
lease. A worker renews the claims it holds every third of `delivery_lease_seconds`, and takes
back (to pending) only claims older than the lease: those of a worker that is gone. So a row is
sent by one worker at a time; after a crash, its claims wait out the lease, then go out again.
A message sent but not yet recorded when the process died is the only possible duplicate:
duplicates are at most the sends in flight and unrecorded (FLUSH_EVERY) at the kill.

When idle it sleeps until the next row is due, at most `delivery_idle_seconds`; `wake()` (called
by the scheduler's "deliver" job and after an alert scan) cuts the sleep short, or makes a busy
worker claim at once. The senders' reports of broadcasts are edited alongside
(bot.delivery.reports). Time (`clock`) and idle/pause sleeping (`sleep`) are injectable; the
pacing itself always uses the event loop's real time.
"""

import asyncio
import contextlib
import logging
import time
from collections import Counter
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

from bot.delivery.lanes import Ready
from bot.delivery.pacing import ChatSlots, Pacer, Pause, send_notification
from bot.delivery.reports import Reports
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
AHEAD_SECONDS = 1.0  # sending claimed ahead: units claimed and not yet sent


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
        self.rate = settings.paid_broadcast_rate if self.paid else settings.delivery_rate
        self.pacer = Pacer(self.rate)
        self.ahead = max(2, round(self.rate * AHEAD_SECONDS))
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
        self._poke = asyncio.Event()  # the main loop is wanted: units to claim, wake(), stop()
        self._added = asyncio.Event()  # the sender is wanted: units were claimed
        self.lease = timedelta(seconds=settings.delivery_lease_seconds)
        self._held: set[int] = set()  # ids claimed and not yet recorded or released
        self._next_lease_check = 0.0
        self.reports = Reports(
            bot,
            sessionmaker,
            i18n,
            settings,
            clock=clock,
            turn=self._turn,
            release=self.chats.release,
            pause=self.pause,
            db=self._db,
            rate=self.rate,
        )

    # --- control

    def wake(self) -> None:
        """Look at the outbox now (new rows were queued)."""
        self._wake.set()
        self._poke.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._poke.set()

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
        """Deliver until stop() (or, with until_empty, until no row is pending or in flight and
        every broadcast's report shows its final counts).

        Two coroutines: this loop claims, records and idles; `_send_loop` takes the tokens and
        starts the sends, so that the database's round trips never hold back the pace.
        """
        load_kinds()
        ready = Ready(self.chats)
        tasks: set[asyncio.Task[None]] = set()
        sender = asyncio.create_task(self._send_loop(ready, tasks))
        try:
            while not self._stop.is_set():
                if sender.done():  # it failed: its error stops the worker, as this loop's would
                    await sender
                if time.monotonic() >= self._next_lease_check:
                    await self.recover()
                if self._may_claim(len(ready)):
                    units = await self._claim(self._claim_size(len(ready)))
                    if units:
                        ready.add(units)
                        self._added.set()
                self.reports.start_if_due()
                if ready or tasks:
                    await self._attend()
                else:
                    await self._flush()
                    if not await self._idle(until_empty):
                        return
                await self._flush(force=False)
        finally:
            sender.cancel()
            await asyncio.wait([sender])
            await self._shutdown(ready, tasks)

    async def _attend(self) -> None:
        """While sending: until the sender wants more units, a wake(), or the next flush."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._poke.wait(), FLUSH_EVERY)
        self._poke.clear()

    async def _send_loop(self, ready: Ready, tasks: set[asyncio.Task[None]]) -> None:
        """Take a send's turn (a request slot, the end of a 429 pause, a pacer token), THEN the
        first unit in lane order whose chat is free: the order is decided at the last moment."""
        while True:
            now = time.monotonic()
            if not ready.free(now):
                self._added.clear()
                wait = None if not ready else max(0.0, ready.next_free() - now)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._added.wait(), wait)
                continue
            await self._slots.acquire()
            try:
                while (left := self.pause.left(self.clock())) > 0:
                    await self.sleep(left)
                await self.pacer.acquire()
            except BaseException:
                self._slots.release()
                raise
            unit = ready.pop(time.monotonic())
            if unit is None:  # a report took the only free chat meanwhile: the token goes unused
                self._slots.release()
                continue
            if len(ready) <= self.ahead // 2:
                self._poke.set()  # time to claim more
            task = asyncio.create_task(self._deliver(unit))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

    async def _turn(self, chat_id: int) -> None:
        """A call outside the lanes (a report) waits for its turn like a send."""
        await self.chats.turn(chat_id)
        while (left := self.pause.left(self.clock())) > 0:
            await self.sleep(left)
        await self.pacer.acquire()

    # --- claiming

    def _may_claim(self, ready: int) -> bool:
        """Claim when half of the sending claimed ahead is gone, or at once after a wake()."""
        if time.monotonic() < self._dry_until:
            return False
        return ready <= self.ahead // 2 or self._wake.is_set()

    def _claim_size(self, ready: int) -> int:
        return min(self.settings.delivery_batch, max(self.ahead // 2, self.ahead - ready))

    async def _claim(self, limit: int) -> list[Unit]:
        self._wake.clear()  # a wake() from now on is for rows this claim may not see
        async with self._db, self.sessionmaker() as session:
            now = self.clock()
            rows = await claims.claim_due(session, now, limit)
            users = await claims.users_by_id(session, (row.user_id for row in rows))
            await self._refresh_figures(session, rows, now)
            ids = {row.broadcast_id for row in rows if row.broadcast_id is not None}
            broadcasts = await claims.broadcasts_by_id(session, ids)
            units, closed = self.sorter.sort(rows, users, now, broadcasts)
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
        """Send with the token the loop took; a 429's resend waits for the pause and a token."""
        await self.chats.turn(unit.user_id)
        paced = True
        while True:
            if not paced:
                while (left := self.pause.left(self.clock())) > 0:
                    await self.sleep(left)
                await self.pacer.acquire()
            paced = False
            if self.pause.left(self.clock()) > 0:
                continue
            try:
                await send_notification(
                    self.bot,
                    unit.user_id,
                    unit.text,
                    paid=self.paid,
                    timeout=self.settings.delivery_request_timeout,
                    photo=unit.photo,
                    markup=unit.markup,
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
        """Sleep until the next row is due, the next look at the reports, or wake(); False
        when until_empty and nothing is left (no row, no report to finish)."""
        async with self.sessionmaker() as session:
            next_due = await claims.next_due(session, self.lease)
        reports = self.reports
        if next_due is None and until_empty and not reports.open and not reports.running:
            return False
        if self._stop.is_set():  # stop() came during the read: do not start a sleep
            return True
        wait = self.settings.delivery_idle_seconds
        now = self.clock()
        for then in (next_due, (reports.next_look() or now) if reports.open else None):
            if then is not None:
                wait = min(wait, (then - now).total_seconds())
        if wait <= 0 and reports.running is None:
            self._dry_until = 0.0
            return True
        waiting: set[asyncio.Future[Any]] = {asyncio.ensure_future(self._wake.wait())}
        if reports.running is not None:  # its outcome decides what comes next
            waiting.add(asyncio.ensure_future(asyncio.shield(reports.running)))
        else:
            waiting.add(asyncio.ensure_future(self.sleep(wait)))
        await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        for task in waiting:
            task.cancel()
        self._dry_until = 0.0
        return True

    async def _shutdown(self, ready: Ready, tasks: set[asyncio.Task[None]]) -> None:
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        await self._flush()
        await self.reports.finish()
        units = ready.drain()
        if units:
            ids = [i for unit in units for i in unit.ids]
            async with self._db, self.sessionmaker() as session:
                await claims.release(session, ids)
                await session.commit()
            self._held.difference_update(ids)
        log.info("outbox: worker stopped; %s", dict(self.stats))


def _reasons(reasons: list[str]) -> str | None:
    distinct = sorted(set(reasons))
    return "; ".join(distinct) if distinct else None
