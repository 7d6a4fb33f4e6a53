"""Time: the one Clock type, and instants on the local wall clock of TIMEZONE.

Everything is stored in UTC; what a person reads (dates, days left, due hours) is on the clock
of the one configured time zone, passed down from the settings.
"""

from __future__ import annotations

import datetime as pydt
from collections.abc import Callable
from functools import lru_cache
from zoneinfo import ZoneInfo

# What handlers and services receive to know the time (the real one, or a test's).
Clock = Callable[[], pydt.datetime]


def _aware(dt: pydt.datetime) -> pydt.datetime:
    # SQLite hands back naive datetimes even for timezone-aware columns; we store UTC only.
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=pydt.UTC)


def to_local(dt: pydt.datetime, tz: str) -> pydt.datetime:
    """The same instant on the wall clock of `tz`; a naive datetime is taken as UTC."""
    return _aware(dt).astimezone(ZoneInfo(tz))


def days_between(now: pydt.datetime, end: pydt.datetime, tz: str) -> int:
    """Calendar days from today to the end day in local time: 0 when it ends today or is past."""
    days = (local_date(end, tz) - local_date(now, tz)).days
    return max(0, days)


@lru_cache(maxsize=16384)  # a list asks for the same few instants (now, the campaigns' ends)
def local_date(dt: pydt.datetime, tz: str) -> pydt.date:
    """The calendar day of `dt` on the wall clock of `tz`."""
    return to_local(dt, tz).date()
