"""When a coordinator wants an announcement sent: a day and a time as typed, read on the wall
clock of TIMEZONE, stored in UTC. Pure, no I/O."""

import re
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from bot.domain.operations import parse_day

_TIME = re.compile(r"(\d{1,2})(?:[:hH.](\d{2})?)?")
_JOINERS = {"a", "à", "at", "-"}  # "03/02/2027 à 10h", "2027-02-03 at 10:00"


def parse_send_at(text: str, tz: str) -> datetime | None:
    """ "03/02/2027 10:00", "3.2.2027 10h30", "2027-02-03 à 9h" → the UTC instant; None when it
    is not a day and a time. A wall time skipped by the spring change is read an hour later."""
    words = [word for word in text.strip().split() if word.lower() not in _JOINERS]
    if len(words) != 2:
        return None
    day, match = parse_day(words[0]), _TIME.fullmatch(words[1])
    if day is None or match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        return None
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(tz)).astimezone(UTC)
