"""Shared snippets of campaign text: progress line and time left, in the current locale."""

from datetime import datetime

from aiogram.utils.i18n import get_i18n, ngettext
from aiogram.utils.i18n import gettext as _

from bot import formatting
from bot.campaigns import Status, status_at


def locale() -> str:
    return get_i18n().current_locale


def progress_line(raised_cents: int, goal_cents: int) -> str:
    pct = formatting.percent(raised_cents, goal_cents)
    return _("progress.line").format(
        bar=formatting.progress_bar(pct), percent=formatting.percent_text(pct, locale())
    )


def time_left(starts_at: datetime, ends_at: datetime, now: datetime, tz: str) -> str:
    status = status_at(starts_at, ends_at, now)
    if status is Status.ENDED:
        return _("time.ended")
    if status is Status.UPCOMING:
        days = formatting.days_between(now, starts_at, tz)
        if days == 0:
            return _("time.starts_today")
        return ngettext("time.starts_in", "time.starts_in_plural", days).format(days=days)
    days = formatting.days_between(now, ends_at, tz)
    if days == 0:
        return _("time.last_day")
    return ngettext("time.days_left", "time.days_left_plural", days).format(days=days)
