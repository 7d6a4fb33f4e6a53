"""Shared snippets of campaign text: progress line and time left, in the current locale.

A list renders the same few texts again and again (a percent, "12 days left"), so each is kept
once per locale and value.
"""

from datetime import datetime
from functools import lru_cache

from aiogram.utils.i18n import get_i18n, ngettext
from aiogram.utils.i18n import gettext as _

from bot.domain import clock
from bot.domain.campaigns import Status, status_at
from bot.ui import formatting


def locale() -> str:
    return get_i18n().current_locale


def progress_line(raised_cents: int, goal_cents: int, locale_code: str | None = None) -> str:
    pct = formatting.percent(raised_cents, goal_cents)
    return _progress_text(pct, locale_code or locale())


@lru_cache(maxsize=4096)
def _progress_text(pct: int, locale: str) -> str:
    return _("progress.line", locale=locale).format(
        bar=formatting.progress_bar(pct), percent=formatting.percent_text(pct, locale)
    )


def time_left(
    starts_at: datetime, ends_at: datetime, now: datetime, tz: str, locale_code: str | None = None
) -> str:
    status = status_at(starts_at, ends_at, now)
    if status is Status.ENDED:
        return _time_text(status, 0, locale_code or locale())
    day = starts_at if status is Status.UPCOMING else ends_at
    return _time_text(status, clock.days_between(now, day, tz), locale_code or locale())


@lru_cache(maxsize=1024)
def _time_text(status: Status, days: int, locale: str) -> str:
    if status is Status.ENDED:
        return _("time.ended", locale=locale)
    if status is Status.UPCOMING:
        if days == 0:
            return _("time.starts_today", locale=locale)
        text = ngettext("time.starts_in", "time.starts_in_plural", days, locale=locale)
        return text.format(days=days)
    if days == 0:
        return _("time.last_day", locale=locale)
    return ngettext("time.days_left", "time.days_left_plural", days, locale=locale).format(
        days=days
    )
