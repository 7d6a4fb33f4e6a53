"""An operation's fields as typed in the dialogue or sent in a file, checked. Pure, no I/O.

Dates are days on the local calendar (TIMEZONE): the call opens and the campaigns launch at the
start of their day (00:00), the call closes and the campaigns end at its end (23:59), all stored
in UTC. So "call opens < closes ≤ launch < end" reads on days as: the call opens on or before
the day it closes, closes before launch day, and the campaigns end on or after launch day.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from bot.domain import territory
from bot.domain.sync_source import listing_path
from bot.domain.territory import Area, Divisions, Parsed

NAME, TERRITORY, PLATFORM, LINK, DESCRIPTION = (
    "name",
    "territory",
    "platform",
    "link",
    "description",
)
SYNC_SOURCE = "sync_source"  # what the platform sync reads (bot.domain.sync_source)
CALL_OPENS, CALL_CLOSES, LAUNCH, ENDS = "call_opens", "call_closes", "launch", "ends"
DATES = (CALL_OPENS, CALL_CLOSES, LAUNCH, ENDS)
# In the dialogue's order; each is a field of a file too.
FIELDS = (NAME, TERRITORY, *DATES, PLATFORM, LINK, DESCRIPTION, SYNC_SOURCE)
OPTIONAL = (LINK, DESCRIPTION, SYNC_SOURCE)
# The Operation column each date is stored in.
COLUMNS = {
    CALL_OPENS: "call_opens_at",
    CALL_CLOSES: "call_closes_at",
    LAUNCH: "launch_at",
    ENDS: "ends_at",
}
ENDS_OF_DAY = (CALL_CLOSES, ENDS)
MAX_LENGTHS = {NAME: 200, PLATFORM: 100, LINK: 500, DESCRIPTION: 2000, SYNC_SOURCE: 300}
# The ordering each pair must keep, on stored instants: (earlier, later, strictly).
ORDER = ((CALL_OPENS, CALL_CLOSES, True), (CALL_CLOSES, LAUNCH, False), (LAUNCH, ENDS, True))

# Reasons a value is refused (the UI words each one: "operation.problem.<reason>").
MISSING = "missing"
TOO_LONG = "too_long"
BAD_DATE = "bad_date"
BAD_LINK = "bad_link"
BAD_SYNC_SOURCE = "bad_sync_source"
ORDER_PROBLEM = "order"
BAD_TERRITORY = "territory"
UNKNOWN_FIELD = "unknown_field"
NOT_TEXT = "not_text"

_DAY_FIRST = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_YEAR_FIRST = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
END_OF_DAY = time(23, 59)


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """Why a field's value was refused; `values` fill the UI's text."""

    name: str
    reason: str
    values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Draft:
    """A complete, checked operation, ready to store."""

    name: str
    areas: tuple[Area, ...]
    dates: dict[str, datetime]  # DATES → UTC instants
    platform: str
    link: str | None
    description: str
    sync_source: str | None = None


def parse_day(text: str) -> date | None:
    """ "31/01/2027", "31.01.2027" or "2027-01-31"; None for anything else or no such day."""
    text = text.strip()
    if match := _DAY_FIRST.fullmatch(text):
        day, month, year = (int(g) for g in match.groups())
    elif match := _YEAR_FIRST.fullmatch(text):
        year, month, day = (int(g) for g in match.groups())
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def stored_date(name: str, day: date, tz: str) -> datetime:
    """The UTC instant a date field keeps: its day's start, or its end for closings and ends."""
    wall = END_OF_DAY if name in ENDS_OF_DAY else time(0, 0)
    return datetime.combine(day, wall, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def order_problems(dates: Mapping[str, datetime | None]) -> list[FieldProblem]:
    """The pairs of dates out of order (the later field of each carries the problem)."""
    problems = []
    for earlier, later, strict in ORDER:
        first, second = dates.get(earlier), dates.get(later)
        if first is None or second is None:
            continue
        if second < first or (strict and second == first):
            problems.append(FieldProblem(later, ORDER_PROBLEM, {"other": earlier}))
    return problems


def check_text(name: str, value: str) -> tuple[str | None, FieldProblem | None]:
    """A text field trimmed and checked: (value, None) or (None, problem)."""
    value = value.strip()
    if not value:
        return None, None if name in OPTIONAL else FieldProblem(name, MISSING)
    if _UNSTORABLE.search(value):
        return None, FieldProblem(name, NOT_TEXT)
    if len(value) > MAX_LENGTHS[name]:
        return None, FieldProblem(name, TOO_LONG, {"max": str(MAX_LENGTHS[name])})
    if name == LINK:
        parts = urlsplit(value)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc or " " in value:
            return None, FieldProblem(name, BAD_LINK)
    if name == SYNC_SOURCE and not _listing(value):
        return None, FieldProblem(name, BAD_SYNC_SOURCE)
    return value, None


def _listing(value: str) -> bool:
    try:
        listing_path(value)
    except ValueError:
        return False
    return True


def check_date(name: str, text: str, tz: str) -> tuple[datetime | None, FieldProblem | None]:
    day = parse_day(text)
    if day is None:
        return None, FieldProblem(name, BAD_DATE if text.strip() else MISSING)
    return stored_date(name, day, tz), None


def from_mapping(
    data: Mapping[str, object], divisions: Divisions, tz: str
) -> tuple[Draft | None, list[FieldProblem]]:
    """A file's operation ({"name": ..., "territory": ..., "call_opens": "31/01/2027", ...}):
    the draft, or every problem found (never both)."""
    problems = [FieldProblem(str(key), UNKNOWN_FIELD) for key in data if key not in FIELDS]
    texts: dict[str, str | None] = {}
    for name in (NAME, PLATFORM, LINK, DESCRIPTION, SYNC_SOURCE):
        raw = data.get(name)
        if raw is not None and not isinstance(raw, str | int | float):
            problems.append(FieldProblem(name, NOT_TEXT))
            continue
        texts[name], problem = check_text(name, "" if raw is None else str(raw))
        problems.extend([problem] if problem else [])
    dates: dict[str, datetime | None] = {}
    for name in DATES:
        raw = data.get(name)
        dates[name], problem = check_date(name, "" if raw is None else str(raw), tz)
        problems.extend([problem] if problem else [])
    problems.extend(order_problems(dates))
    areas, territory_problems = _territory(data.get(TERRITORY), divisions)
    problems.extend(territory_problems)
    if problems:
        return None, problems
    return Draft(
        name=texts[NAME] or "",
        areas=areas,
        dates={name: value for name, value in dates.items() if value is not None},
        platform=texts[PLATFORM] or "",
        link=texts[LINK],
        description=texts[DESCRIPTION] or "",
        sync_source=texts[SYNC_SOURCE],
    ), []


def _territory(raw: object, divisions: Divisions) -> tuple[tuple[Area, ...], list[FieldProblem]]:
    """A file's territory: codes as typed ("R24 37"), a list of them, or a mapping by level."""
    if raw is None:
        return (), [FieldProblem(TERRITORY, MISSING)]
    if isinstance(raw, str | int):
        parsed = territory.parse(str(raw), divisions)
    elif isinstance(raw, list):
        parsed = territory.parse(" ".join(str(code) for code in raw), divisions)
    elif isinstance(raw, Mapping):
        levels = {str(k): v if isinstance(v, list) else [v] for k, v in raw.items()}
        parsed = territory.from_levels(levels, divisions)
    else:
        return (), [FieldProblem(TERRITORY, NOT_TEXT)]
    return parsed.areas, territory_problems(parsed)


def territory_problems(parsed: Parsed) -> list[FieldProblem]:
    """Each code refused, as a problem of the territory field."""
    return [
        FieldProblem(TERRITORY, BAD_TERRITORY, {"code": p.token, "why": p.reason})
        for p in parsed.problems
    ]
