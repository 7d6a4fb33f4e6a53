"""Per-locale formatting of amounts, percentages, distances and dates, all through Babel.

The output is Babel's (CLDR's) own, characters included: in French the thousands separator is a
narrow no-break space (U+202F), as is the space before "km"; a no-break space (U+00A0) precedes
"€" and "%". So a figure never wraps across lines in a Telegram bubble. Tests compare against those
exact characters; compare with them (or normalise spaces) when matching these strings elsewhere.
"""

from __future__ import annotations

import datetime as pydt
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_percent
from babel.units import format_unit

from bot.domain.clock import to_local

DEFAULT_LOCALE = "fr"
CURRENCY = "EUR"
PROGRESS_FULL = "▰"
PROGRESS_EMPTY = "▱"


@lru_cache(maxsize=8)
def _whole_currency_pattern(locale: str) -> str:
    """The locale's standard currency pattern without its decimals ("#,##0.00 ¤" → "#,##0 ¤")."""
    pattern = Locale.parse(locale).currency_formats["standard"].pattern
    return pattern.split(";")[0].replace(".00", "")


@lru_cache(maxsize=4096)
def money(cents: int, locale: str = DEFAULT_LOCALE) -> str:
    """Whole euros as "3 850 €" / "€3,850", otherwise with cents: "12,50 €" / "€12.50"."""
    amount = Decimal(cents) / 100
    if cents % 100 == 0:
        return format_currency(
            amount,
            CURRENCY,
            format=_whole_currency_pattern(locale),
            currency_digits=False,
            locale=locale,
        )
    return format_currency(amount, CURRENCY, locale=locale)


def percent(raised_cents: int, goal_cents: int) -> int:
    """Whole percent of the goal reached, rounded down; may exceed 100; 0 for a zero goal."""
    if goal_cents <= 0:
        return 0
    return max(0, raised_cents) * 100 // goal_cents


@lru_cache(maxsize=4096)
def percent_text(p: int, locale: str = DEFAULT_LOCALE) -> str:
    """Percent sign per locale: "192 %" in French (no-break space), "192%" in English."""
    return format_percent(Decimal(p) / 100, locale=locale)


def progress_bar(p: int, width: int = 10) -> str:
    """A text gauge of `width` cells, full from 100 % on; a cell shows only once fully earned."""
    filled = min(width, max(0, p) * width // 100)
    return PROGRESS_FULL * filled + PROGRESS_EMPTY * (width - filled)


def distance(km: float, locale: str = DEFAULT_LOCALE) -> str:
    """One decimal below 10 km ("3,2 km" / "3.2 km"), whole kilometres from there ("12 km")."""
    if round(km, 1) < 10:
        return _distance_text(round(km, 1), "0.0", locale)
    return _distance_text(round(km), "#,##0", locale)


@lru_cache(maxsize=8192)  # Babel's unit formatting is slow, and lists repeat the same values
def _distance_text(km: float, pattern: str, locale: str) -> str:
    return format_unit(km, "length-kilometer", length="short", format=pattern, locale=locale)


def date(dt: pydt.datetime, locale: str, tz: str) -> str:
    """Medium date in local time: "23 nov. 2026" / "Nov 23, 2026"."""
    return format_date(to_local(dt, tz).date(), format="medium", locale=locale)


def datetime(dt: pydt.datetime, locale: str, tz: str) -> str:
    """Short date and time in local time: "23/11/2026 18:30" / "11/23/26, 6:30 PM"."""
    return format_datetime(to_local(dt, tz), format="short", locale=locale)
