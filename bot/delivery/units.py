"""Claimed rows sorted into messages: one per user (several only past Telegram's length), in
the user's language and the bot's time zone; rows not to send are closed with their reason.

A broadcast's row (a holder's news, a coordinator's announcement: Outbox.broadcast_id) is always
a message of its own, never grouped with the user's alerts: the broadcast's text under its
campaign's or operation's name, as a photo's caption when it has a photo, with its link button
(bot.ui.broadcasts, bot.ui.announcements: the previews' rendering). A message of alerts holding
an operation's launch reminder carries its button (bot.ui.reminder_texts.launch_markup).
"""

import logging
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aiogram.utils.i18n import I18n

from bot.i18n import pick_locale
from bot.settings import Settings
from bot.ui.announcements import announcement_text
from bot.ui.broadcasts import news_markup, news_text
from bot.ui.notifications import Reader, render_item, render_messages, wanted
from bot.ui.reminder_texts import launch_markup
from storage.models import Broadcast, Outbox, OutboxStatus, User

log = logging.getLogger(__name__)

# A claim's broadcasts by id, with their name (storage.repo.claims.broadcasts_by_id).
Broadcasts = Mapping[int, tuple[Broadcast, str]]
# How each kind of broadcast renders: its name as a header, then the author's text.
HEADED: dict[str, Callable[[str, str, Reader], str]] = {
    "news": news_text,
    "announcement": announcement_text,
}


@dataclass
class Unit:
    """One message to one user, and the outbox rows it carries."""

    user_id: int
    rows: list[Outbox]
    text: str
    photo: str | None = None  # a Telegram file_id: the text is its caption
    markup: dict[str, Any] | None = None  # reply_markup, as JSON

    @property
    def ids(self) -> list[int]:
        return [row.id for row in self.rows]

    @property
    def attempts(self) -> int:
        return max(row.attempts for row in self.rows) + 1

    @property
    def priority(self) -> int:
        """Its lane (storage.models.Priority): the most urgent of its rows'."""
        return min(row.priority for row in self.rows)


@dataclass
class Closed:
    """Rows closed at claim time without a call."""

    ids: list[int] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


class Sorter:
    def __init__(
        self, settings: Settings, i18n: I18n, grace: timedelta, stats: Counter[str]
    ) -> None:
        self.settings, self.i18n, self.grace, self.stats = settings, i18n, grace, stats

    def sort(
        self,
        rows: Sequence[Outbox],
        users: dict[int, User],
        now: datetime,
        broadcasts: Broadcasts | None = None,
    ) -> tuple[list[Unit], dict[str, Closed]]:
        broadcasts = broadcasts or {}
        closed: dict[str, Closed] = {}
        by_user: dict[int, list[Outbox]] = {}
        news: list[Outbox] = []
        for row in rows:
            status, reason = self._verdict(row, users.get(row.user_id), now, broadcasts)
            if status is None:
                group = (
                    news if row.broadcast_id is not None else by_user.setdefault(row.user_id, [])
                )
                group.append(row)
                continue
            self._close(closed, status, row, reason)
        units: list[Unit] = []
        for user_id, user_rows in by_user.items():
            units.extend(self._units(users[user_id], user_rows, closed))
        rendered: dict[tuple[int, str], tuple[str, dict[str, Any] | None] | str] = {}
        for row in news:
            unit = self._news_unit(row, users[row.user_id], broadcasts, rendered, closed)
            if unit is not None:
                units.append(unit)
        return units, closed

    def _close(self, closed: dict[str, Closed], status: str, row: Outbox, reason: str) -> None:
        group = closed.setdefault(status, Closed())
        group.ids.append(row.id)
        group.reasons.append(reason)
        log.info("outbox %s: %s to user %s (%s)", status, row.kind, row.user_id, reason)
        self.stats[str(status)] += 1

    def _verdict(
        self, row: Outbox, user: User | None, now: datetime, broadcasts: Broadcasts
    ) -> tuple[str | None, str]:
        if user is None:
            return OutboxStatus.SKIPPED, "user gone"
        if user.blocked_at is not None:
            return OutboxStatus.BLOCKED, "user blocked the bot"
        if not wanted(row.kind, user):
            return OutboxStatus.SKIPPED, f"user turned {row.kind} off"
        if row.broadcast_id is not None:
            found = broadcasts.get(row.broadcast_id)
            if found is None:
                return OutboxStatus.SKIPPED, "broadcast gone (campaign or operation deleted)"
            if found[0].cancelled_at is not None:
                return OutboxStatus.SKIPPED, "broadcast cancelled"
        if now - row.not_before > self.grace:
            late = now - row.not_before
            return OutboxStatus.MISSED, f"{late} late, grace {self.grace}"
        return None, ""

    def _reader(self, user: User) -> Reader:
        locale = pick_locale(user.locale, user.language_code, self.settings.default_locale)
        return Reader(locale, self.settings.timezone, self.i18n)

    def _units(self, user: User, rows: list[Outbox], closed: dict[str, Closed]) -> list[Unit]:
        reader = self._reader(user)
        good: list[Outbox] = []
        for row in rows:
            try:
                render_item(row, reader)
                good.append(row)
            except Exception as error:  # a bad row must not hold back the others
                log.exception("outbox %s: cannot render row %s", row.kind, row.id)
                self._close(closed, OutboxStatus.FAILED, row, _render_error(error))
        if not good:
            return []
        parts = render_messages(good, reader)
        return [
            Unit(user.id, list(part_rows), text, markup=launch_markup(part_rows, reader))  # type: ignore[arg-type]
            for part_rows, text in parts
        ]

    def _news_unit(
        self,
        row: Outbox,
        user: User,
        broadcasts: Broadcasts,
        rendered: dict[tuple[int, str], tuple[str, dict[str, Any] | None] | str],
        closed: dict[str, Closed],
    ) -> Unit | None:
        """The broadcast as this reader sees it; rendered once per broadcast and language."""
        broadcast, title = broadcasts[row.broadcast_id or 0]
        reader = self._reader(user)
        key = (broadcast.id, reader.locale)
        if key not in rendered:
            rendered[key] = self._render_broadcast(broadcast, title, reader)
        done = rendered[key]
        if isinstance(done, str):  # the error, logged once
            self._close(closed, OutboxStatus.FAILED, row, done)
            return None
        text, markup = done
        return Unit(user.id, [row], text, broadcast.photo_file_id, markup)

    def _render_broadcast(
        self, broadcast: Broadcast, title: str, reader: Reader
    ) -> tuple[str, dict[str, Any] | None] | str:
        """(text, reply_markup as JSON), or the reason it cannot be rendered."""
        try:
            markup = news_markup(broadcast.link_url, broadcast.link_label, reader)
            text = HEADED[broadcast.kind](title, broadcast.text, reader)
        except Exception as error:  # a bad broadcast must not hold back the others
            log.exception("outbox: cannot render broadcast %s", broadcast.id)
            return _render_error(error)
        return text, None if markup is None else markup.model_dump(exclude_none=True)


def _render_error(error: Exception) -> str:
    return f"render: {type(error).__name__}: {error}"
