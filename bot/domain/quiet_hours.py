"""When a notification may be sent: quiet hours and the daily digest, on the local clock of the
configured TIMEZONE.

Pure functions, no I/O. Times in and out are aware UTC datetimes; local times are computed with
zoneinfo so the DST changes (last Sundays of March and October) fall where they should.
"""

from datetime import UTC, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

DAY_MINUTES = 24 * 60


class NotifyPrefs(Protocol):
    quiet_hours: bool
    quiet_start: int  # minutes of the local day
    quiet_end: int
    digest_hour: int | None


def deliver_at(due_at: datetime, user: NotifyPrefs, tz: str) -> datetime:
    """The UTC time at which a notification due at `due_at` may be sent to this user."""
    zone = ZoneInfo(tz)
    local = due_at.astimezone(zone)
    if user.digest_hour is not None:
        return _next_local(local, user.digest_hour * 60, zone)
    if user.quiet_hours and in_window(_minutes(local), user.quiet_start, user.quiet_end):
        return _next_local(local, user.quiet_end, zone)
    return due_at.astimezone(UTC)


def in_window(minute: int, start: int, end: int) -> bool:
    """Is this minute of the day in [start, end)? The window may wrap midnight."""
    if start == end:
        return False
    if start < end:
        return start <= minute < end
    return minute >= start or minute < end


def _minutes(local: datetime) -> int:
    return local.hour * 60 + local.minute


def _next_local(local: datetime, minute_of_day: int, zone: ZoneInfo) -> datetime:
    """The first wall-clock `minute_of_day` at or after `local`, as UTC."""
    wall = time(minute_of_day // 60 % 24, minute_of_day % 60)
    for days in range(3):
        day = local.date() + timedelta(days=days)
        candidate = _resolve(datetime.combine(day, wall), zone)
        if candidate >= local:
            return candidate.astimezone(UTC)
    raise AssertionError("unreachable: a wall time recurs within two days")


def _resolve(naive: datetime, zone: ZoneInfo) -> datetime:
    """A wall-clock time in the zone; one skipped by a spring-forward moves to the shift's end."""
    aware = naive.replace(tzinfo=zone)
    round_trip = aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if round_trip != naive:  # in the gap: 02:30 on the spring-forward day does not exist
        return (aware.astimezone(UTC)).astimezone(zone)
    return aware
