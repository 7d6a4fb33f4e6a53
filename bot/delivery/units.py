"""Claimed rows sorted into messages: one per user (several only past Telegram's length), in
the user's language and the bot's time zone; rows not to send are closed with their reason."""

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aiogram.utils.i18n import I18n

from bot.i18n import pick_locale
from bot.settings import Settings
from bot.ui.notifications import Reader, render_item, render_messages, wanted
from storage.models import Outbox, OutboxStatus, User

log = logging.getLogger(__name__)


@dataclass
class Unit:
    """One message to one user, and the outbox rows it carries."""

    user_id: int
    rows: list[Outbox]
    text: str

    @property
    def ids(self) -> list[int]:
        return [row.id for row in self.rows]

    @property
    def attempts(self) -> int:
        return max(row.attempts for row in self.rows) + 1


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
        self, rows: Sequence[Outbox], users: dict[int, User], now: datetime
    ) -> tuple[list[Unit], dict[str, Closed]]:
        closed: dict[str, Closed] = {}
        by_user: dict[int, list[Outbox]] = {}
        for row in rows:
            user = users.get(row.user_id)
            status, reason = self._verdict(row, user, now)
            if status is None:
                by_user.setdefault(row.user_id, []).append(row)
                continue
            group = closed.setdefault(status, Closed())
            group.ids.append(row.id)
            group.reasons.append(reason)
            log.info("outbox %s: %s to user %s (%s)", status, row.kind, row.user_id, reason)
            self.stats[str(status)] += 1
        units: list[Unit] = []
        for user_id, user_rows in by_user.items():
            units.extend(self._units(users[user_id], user_rows, closed))
        return units, closed

    def _verdict(self, row: Outbox, user: User | None, now: datetime) -> tuple[str | None, str]:
        if user is None:
            return OutboxStatus.SKIPPED, "user gone"
        if user.blocked_at is not None:
            return OutboxStatus.BLOCKED, "user blocked the bot"
        if not wanted(row.kind, user):
            return OutboxStatus.SKIPPED, f"user turned {row.kind} off"
        if now - row.not_before > self.grace:
            late = now - row.not_before
            return OutboxStatus.MISSED, f"{late} late, grace {self.grace}"
        return None, ""

    def _units(self, user: User, rows: list[Outbox], closed: dict[str, Closed]) -> list[Unit]:
        locale = pick_locale(user.locale, user.language_code, self.settings.default_locale)
        reader = Reader(locale, self.settings.timezone, self.i18n)
        good: list[Outbox] = []
        for row in rows:
            try:
                render_item(row, reader)
                good.append(row)
            except Exception as error:  # a bad row must not hold back the others
                log.exception("outbox %s: cannot render row %s", row.kind, row.id)
                group = closed.setdefault(OutboxStatus.FAILED, Closed())
                group.ids.append(row.id)
                group.reasons.append(f"render: {type(error).__name__}: {error}")
                self.stats[str(OutboxStatus.FAILED)] += 1
        if not good:
            return []
        parts = render_messages(good, reader)
        return [Unit(user.id, list(part_rows), text) for part_rows, text in parts]  # type: ignore[arg-type]
