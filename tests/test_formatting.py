"""Amounts, percentages, distances and dates as each locale writes them (Babel's characters)."""

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.domain import clock
from bot.ui import formatting

NNBSP = "\u202f"  # narrow no-break space: French thousands separator, before "km", before "PM"
NBSP = "\u00a0"  # no-break space: before "€" and "%" in French

PARIS = ZoneInfo("Europe/Paris")
EVENING = datetime(2026, 11, 23, 17, 30, tzinfo=UTC)  # 18:30 in Paris (CET, UTC+1)


@pytest.mark.parametrize(
    ("cents", "locale", "expected"),
    [
        (385_000, "fr", f"3{NNBSP}850{NBSP}€"),
        (385_000, "en", "€3,850"),
        (1_250, "fr", f"12,50{NBSP}€"),
        (1_250, "en", "€12.50"),
        (5, "fr", f"0,05{NBSP}€"),
        (0, "fr", f"0{NBSP}€"),
        (123_456_789, "fr", f"1{NNBSP}234{NNBSP}567,89{NBSP}€"),
        (123_456_700, "en", "€1,234,567"),
    ],
)
def test_money(cents: int, locale: str, expected: str) -> None:
    assert formatting.money(cents, locale) == expected


def test_percent() -> None:
    assert formatting.percent(385_000, 200_000) == 192
    assert formatting.percent(199_999, 200_000) == 99  # rounded down: 100 only when reached
    assert formatting.percent(200_000, 200_000) == 100
    assert formatting.percent(0, 200_000) == 0
    assert formatting.percent(5_000, 0) == 0


def test_percent_text() -> None:
    assert formatting.percent_text(192, "fr") == f"192{NBSP}%"
    assert formatting.percent_text(192, "en") == "192%"
    assert formatting.percent_text(1500, "fr") == f"1{NNBSP}500{NBSP}%"


@pytest.mark.parametrize(
    ("p", "expected"),
    [
        (0, "▱▱▱▱▱▱▱▱▱▱"),
        (9, "▱▱▱▱▱▱▱▱▱▱"),
        (55, "▰▰▰▰▰▱▱▱▱▱"),
        (99, "▰▰▰▰▰▰▰▰▰▱"),
        (100, "▰▰▰▰▰▰▰▰▰▰"),
        (192, "▰▰▰▰▰▰▰▰▰▰"),
        (-5, "▱▱▱▱▱▱▱▱▱▱"),
    ],
)
def test_progress_bar(p: int, expected: str) -> None:
    assert formatting.progress_bar(p) == expected


def test_progress_bar_width() -> None:
    assert formatting.progress_bar(50, width=4) == "▰▰▱▱"


@pytest.mark.parametrize(
    ("km", "locale", "expected"),
    [
        (3.24, "fr", f"3,2{NNBSP}km"),
        (3.24, "en", "3.2 km"),
        (0.4, "fr", f"0,4{NNBSP}km"),
        (9.96, "en", "10 km"),
        (12.4, "fr", f"12{NNBSP}km"),
        (12.6, "en", "13 km"),
        (1234.0, "en", "1,234 km"),
    ],
)
def test_distance(km: float, locale: str, expected: str) -> None:
    assert formatting.distance(km, locale) == expected


def test_to_local() -> None:
    local = clock.to_local(EVENING, "Europe/Paris")
    assert (local.hour, local.minute, local.utcoffset()) == (18, 30, timedelta(hours=1))
    summer = clock.to_local(datetime(2026, 7, 1, 12, 0, tzinfo=UTC), "Europe/Paris")
    assert (summer.hour, summer.utcoffset()) == (14, timedelta(hours=2))
    # SQLite gives back naive datetimes: they are UTC.
    assert clock.to_local(datetime(2026, 11, 23, 17, 30), "Europe/Paris") == local


def test_date() -> None:
    assert formatting.date(EVENING, "fr", "Europe/Paris") == "23 nov. 2026"
    assert formatting.date(EVENING, "en", "Europe/Paris") == "Nov 23, 2026"
    late = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)  # already the 24th in Paris
    assert formatting.date(late, "fr", "Europe/Paris") == "24 nov. 2026"
    assert formatting.date(late, "fr", tz="UTC") == "23 nov. 2026"


def test_datetime() -> None:
    assert formatting.datetime(EVENING, "fr", "Europe/Paris") == "23/11/2026 18:30"
    assert formatting.datetime(EVENING, "en", "Europe/Paris") == f"11/23/26, 6:30{NNBSP}PM"
    other_offset = EVENING.astimezone(timezone(timedelta(hours=-5)))
    assert formatting.datetime(other_offset, "fr", "Europe/Paris") == "23/11/2026 18:30"


def _paris(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=PARIS)


def test_days_between_end_of_day_boundaries() -> None:
    now = _paris(2026, 11, 23, 9)
    assert clock.days_between(now, _paris(2026, 11, 23, 23, 59), "Europe/Paris") == 0  # ends today
    assert clock.days_between(now, _paris(2026, 11, 24, 0, 0), "Europe/Paris") == 1
    assert (
        clock.days_between(_paris(2026, 11, 23, 23, 59), _paris(2026, 11, 24, 0, 1), "Europe/Paris")
        == 1
    )
    assert clock.days_between(now, _paris(2026, 12, 23, 9), "Europe/Paris") == 30
    assert clock.days_between(now, _paris(2026, 11, 20, 9), "Europe/Paris") == 0  # already over


def test_days_between_counts_paris_days_not_utc_days() -> None:
    # 23:30 UTC on the 23rd is 00:30 on the 24th in Paris: the campaign ends tomorrow there.
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    end = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)
    assert clock.days_between(now, end, "Europe/Paris") == 1
    assert clock.days_between(now, end, tz="UTC") == 0


def test_days_between_across_the_dst_change() -> None:
    # Clocks go back on 2026-10-25 at 03:00 CEST: that day lasts 25 hours in Paris.
    now = datetime(2026, 10, 24, 22, 30, tzinfo=UTC)  # 00:30 CEST on the 25th
    end_of_25th = datetime(2026, 10, 25, 22, 59, tzinfo=UTC)  # 23:59 CET on the 25th
    start_of_26th = datetime(2026, 10, 25, 23, 0, tzinfo=UTC)  # 00:00 CET on the 26th
    assert clock.days_between(now, end_of_25th, "Europe/Paris") == 0
    assert clock.days_between(now, start_of_26th, "Europe/Paris") == 1
    # From just before midnight on the 24th: 24 h later is still the 25th (a 25-hour day).
    before = datetime(2026, 10, 24, 21, 59, tzinfo=UTC)  # 23:59 CEST on the 24th
    assert clock.days_between(before, before + timedelta(hours=24), "Europe/Paris") == 1
    assert clock.days_between(before, before + timedelta(hours=25, minutes=1), "Europe/Paris") == 2
    # Spring forward, 2026-03-29: a 23-hour day.
    march = datetime(2026, 3, 28, 22, 30, tzinfo=UTC)  # 23:30 CET on the 28th
    assert (
        clock.days_between(march, march + timedelta(hours=23), "Europe/Paris") == 1
    )  # 23:30 CEST, 29th
    assert clock.days_between(march, march + timedelta(hours=23, minutes=31), "Europe/Paris") == 2
