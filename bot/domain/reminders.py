"""An operation's automatic reminders: when each is due, and until when it is still worth
sending. Pure, no I/O; times are aware UTC, days are read on the wall clock of TIMEZONE.

- "call_7d" and "call_1d": at REMINDER_HOUR, 7 days and 1 day before the day the call for
  projects closes ("apply until ..."); the 7-day one is no longer sent once the 1-day one is
  due (after a downtime only the latest goes out), the 1-day one not once the call has closed.
- "launch": on launch day, at REMINDER_HOUR or at the launch if it is later; not after that
  day.
Each can be turned off per operation (Operation.remind_call_7d, remind_call_1d, remind_launch).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.domain.clock import local_date
from storage.geo import KM_PER_DEGREE, haversine_km

REMINDER_HOUR = time(10, 0)
CALL_7D, CALL_1D, LAUNCH = "call_7d", "call_1d", "launch"
WHICH = (CALL_7D, CALL_1D, LAUNCH)
# The Operation column that turns each one on or off.
FLAGS = {CALL_7D: "remind_call_7d", CALL_1D: "remind_call_1d", LAUNCH: "remind_launch"}


class Dated(Protocol):
    """What the reminders need of an operation (storage.models.Operation)."""

    id: int
    call_closes_at: datetime | None
    launch_at: datetime | None


@dataclass(frozen=True, slots=True)
class Reminder:
    which: str
    due_at: datetime
    void_at: datetime  # from then on it is not sent

    def key(self, operation_id: int) -> str:
        """Its broadcast's dedup key: one of each per operation, ever."""
        return f"{self.which}:{operation_id}"


def _at(day: date, wall: time, tz: str) -> datetime:
    return datetime.combine(day, wall, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def schedule(operation: Dated, tz: str) -> list[Reminder]:
    """Every reminder the operation's dates give, on or off, in order."""
    found = []
    closes = operation.call_closes_at
    if closes is not None:
        day = local_date(closes, tz)
        week_before = _at(day - timedelta(days=7), REMINDER_HOUR, tz)
        day_before = _at(day - timedelta(days=1), REMINDER_HOUR, tz)
        found.append(Reminder(CALL_7D, week_before, min(day_before, closes)))
        found.append(Reminder(CALL_1D, min(day_before, closes), closes))
    launch = operation.launch_at
    if launch is not None:
        day = local_date(launch, tz)
        due = max(launch, _at(day, REMINDER_HOUR, tz))
        found.append(Reminder(LAUNCH, due, _at(day + timedelta(days=1), time(0, 0), tz)))
    return found


def due(operation: Dated, tz: str, now: datetime, off: Iterable[str] = ()) -> list[Reminder]:
    """The reminders to send at `now`: due, not void, not turned off."""
    skipped = set(off)
    return [
        reminder
        for reminder in schedule(operation, tz)
        if reminder.which not in skipped and reminder.due_at <= now < reminder.void_at
    ]


def turned_off(operation: object) -> list[str]:
    """The reminders the operation's flags turn off."""
    return [which for which, flag in FLAGS.items() if not getattr(operation, flag)]


def near(
    lat: float | None, lon: float | None, radius_km: float, points: Iterable[tuple[float, float]]
) -> int:
    """How many of `points` lie within `radius_km` of (lat, lon); 0 for a reader with no point.

    The launch reminder's count for one reader: the latitude alone rules most points out before
    the exact distance is computed."""
    if lat is None or lon is None:
        return 0
    band = radius_km / KM_PER_DEGREE
    return sum(
        1
        for p_lat, p_lon in points
        if abs(p_lat - lat) <= band and haversine_km(lat, lon, p_lat, p_lon) <= radius_km
    )
