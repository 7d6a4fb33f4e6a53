"""The senders' reports of broadcasts: one message in the author's chat, edited as it goes out.

The delivery worker starts a look every `report_edit_seconds` (on its injectable clock). Each
look reads the open reports (queued broadcasts with a `report_chat_id` and no `report_done_at`)
and their rows' outcomes in two queries, then for each: posts the report the first time
(`report_message_id` kept), edits it when its text changed, and once no row is pending or being
sent makes the final edit and sets `report_done_at`. So at most one edit per report per
interval, none when nothing changed; an edit Telegram calls "not modified" (a restart forgot
what was shown) is done (bot.middlewares.UnchangedEditIsDone). Report calls take their turn
like any send (the global pace, one message per second per chat, a 429's pause).

Two workers may look at the same report: the first post is kept with a conditional update, a
second one is deleted; their edits only repeat the same counts.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
)
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.pacing import Pause
from bot.i18n import pick_locale
from bot.settings import Settings
from bot.ui.notifications import Reader
from bot.ui.reports import Figures, report_text
from storage.models import OutboxStatus
from storage.repo import broadcasts as repo

log = logging.getLogger(__name__)

Turn = Callable[[int], Awaitable[None]]


def figures(counts: dict[str, int]) -> Figures:
    """A broadcast's rows by status (storage.repo.broadcasts.outcomes) as the report counts them."""
    return Figures(
        sent=counts.get(OutboxStatus.SENT, 0),
        blocked=counts.get(OutboxStatus.BLOCKED, 0),
        failed=counts.get(OutboxStatus.FAILED, 0) + counts.get(OutboxStatus.MISSED, 0),
        skipped=counts.get(OutboxStatus.SKIPPED, 0),
        waiting=counts.get(OutboxStatus.PENDING, 0) + counts.get(OutboxStatus.SENDING, 0),
        later=counts.get("later", 0),
    )


class Reports:
    def __init__(
        self,
        bot: Bot,
        sessionmaker: async_sessionmaker[AsyncSession],
        i18n: I18n,
        settings: Settings,
        *,
        clock: Callable[[], datetime],
        turn: Turn,
        release: Callable[[int], None],
        pause: Pause,
        db: asyncio.Lock,
        rate: float,
    ) -> None:
        self.bot, self.sessionmaker, self.i18n, self.settings = bot, sessionmaker, i18n, settings
        self.clock, self.turn, self.release, self.pause, self.db = clock, turn, release, pause, db
        self.rate = rate
        self.every = timedelta(seconds=settings.report_edit_seconds)
        self.open = True  # until a look finds none: reports may be left from before a restart
        self._next: datetime | None = None
        self._task: asyncio.Task[None] | None = None
        self._shown: dict[int, str] = {}  # what each report shows, as far as this worker knows

    @property
    def running(self) -> asyncio.Task[None] | None:
        return self._task if self._task is not None and not self._task.done() else None

    def next_look(self) -> datetime | None:
        """When the next look may start (None: at once)."""
        return self._next

    def start_if_due(self) -> None:
        """Start a look in the background if none runs and the interval has passed."""
        now = self.clock()
        if self.running is not None or (self._next is not None and now < self._next):
            return
        self._next = now + self.every
        self._task = asyncio.create_task(self._look())

    async def finish(self) -> None:
        """Wait for a running look (the worker stops)."""
        if (task := self.running) is not None:
            await asyncio.wait([task])

    async def _look(self) -> None:
        try:
            await self.look()
        except Exception:  # never stop the deliveries for a report
            log.exception("reports: the look failed; trying again in %s", self.every)

    async def look(self) -> None:
        """Post or edit every open report once."""
        async with self.db, self.sessionmaker() as session:
            now = self.clock()
            reports = await repo.open_reports(session)
            counts = await repo.outcomes(session, [r.id for r in reports], now)
        self.open = bool(reports)
        for report in reports:
            await self._show(report, figures(counts[report.id]))

    async def _show(self, report: Any, current: Figures) -> None:
        locale = pick_locale(report.locale, report.language_code, self.settings.default_locale)
        reader = Reader(locale, self.settings.timezone, self.i18n)
        text = report_text(report.title, current, self.rate, reader)
        unchanged = self._shown.get(report.id) == text
        if report.report_message_id is not None and unchanged and not current.done:
            return
        await self.turn(report.report_chat_id)
        try:
            if report.report_message_id is None:
                await self._post(report.id, report.report_chat_id, text)
            else:
                await self._edit(report, text)
        except TelegramAPIError as error:
            self.release(report.report_chat_id)
            await self._failed(report, error)
            return
        self._shown[report.id] = text
        if current.done:
            await self._write(repo.report_done, report.id, self.clock())
            self._shown.pop(report.id, None)

    async def _post(self, broadcast_id: int, chat_id: int, text: str) -> None:
        message = await self.bot.send_message(chat_id, text, parse_mode="HTML")
        if not await self._write(repo.set_report_message, broadcast_id, message.message_id):
            log.info("report of broadcast %s: another worker posted it first", broadcast_id)
            await self.bot.delete_message(chat_id, message.message_id)

    async def _edit(self, report: Any, text: str) -> None:
        await self.bot.edit_message_text(
            text,
            chat_id=report.report_chat_id,
            message_id=report.report_message_id,
            parse_mode="HTML",
        )

    async def _failed(self, report: Any, error: TelegramAPIError) -> None:
        """A 429 pauses every send; a blocked author or a refused post ends the report; a
        refused edit (the message was deleted) posts it anew next time; anything else (the
        network, Telegram's 5xx) is tried again then."""
        log.info("report of broadcast %s: %s", report.id, error)
        if isinstance(error, TelegramRetryAfter):
            self.pause.start(self.clock(), error.retry_after)
        elif isinstance(error, TelegramForbiddenError) or (
            isinstance(error, TelegramBadRequest) and report.report_message_id is None
        ):  # the author blocked the bot, or their chat cannot be written to
            await self._write(repo.report_done, report.id, self.clock())
        elif isinstance(error, TelegramBadRequest):
            await self._write(repo.forget_report_message, report.id, report.report_message_id)
            self._shown.pop(report.id, None)

    async def _write(self, write: Callable[..., Awaitable[Any]], *args: Any) -> Any:
        async with self.db, self.sessionmaker() as session:
            result = await write(session, *args)
            await session.commit()
        return result
