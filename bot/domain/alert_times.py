"""When each time-based alert of a campaign is due, on the wall clock of TIMEZONE (so right
across the DST changes; the end day is the local date of `ends_at`):

- deadline 7 and 2: 10:00 on the day 7 (2) days before the end day;
- last day: 09:00 on the end day, or 18:00 the day before when the campaign ends at or before 09:00;
- each deadline only if the campaign is live at that moment (started, not ended);
- launch ("it has started"): at `starts_at` (bot.delivery.alerts sends it only to those who
  followed before), unless the campaign has ended by then;
- result: at `ends_at`.

Pure: no database, no Telegram. bot.delivery.alerts fans the alerts out to the followers.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.clock import to_local

DEADLINE_DAYS = (7, 2)
DEADLINE_HOUR = 10
LAST_DAY_HOUR = 9
EVE_HOUR = 18


@dataclass(frozen=True)
class Alert:
    """One alert of one campaign, before it is fanned out to the followers."""

    kind: str
    key: str  # the dedup key without its user part: "deadline:7:<campaign>"
    campaign_id: int
    due_at: datetime
    content: dict[str, Any]
    # Deadlines and launches mean nothing once the campaign has ended.
    void_from: datetime | None = None


def _at(day: date, hour: int, tz: ZoneInfo) -> datetime:
    # 09:00, 10:00 and 18:00 exist exactly once on every day, DST changes included.
    return datetime.combine(day, time(hour), tzinfo=tz).astimezone(UTC)


def deadline_due(ends_at: datetime, days: int, tz: str) -> datetime:
    """When the `days`-day deadline alert is due; days=0 is the last-day alert."""
    zone = ZoneInfo(tz)
    end_day = to_local(ends_at, tz).date()
    if days:
        return _at(end_day - timedelta(days=days), DEADLINE_HOUR, zone)
    morning = _at(end_day, LAST_DAY_HOUR, zone)
    return morning if ends_at > morning else _at(end_day - timedelta(days=1), EVE_HOUR, zone)


def days_to_go(due_at: datetime, ends_at: datetime, tz: str) -> int:
    """Days the missing amount is spread over: calendar days to the end day, at least 1.

    So the 7-day alert spreads it over 7 days (1 700 € → 243 € a day), the last day over 1.
    """
    return max(1, (to_local(ends_at, tz).date() - to_local(due_at, tz).date()).days)


def _facts(row: Any) -> dict[str, Any]:
    return {
        "campaign": row.id,
        "title": row.title,
        "goal_cents": row.goal_cents,
        "raised_cents": row.raised_cents,
        "backers": row.backers,
        "ends_at": row.ends_at.isoformat(),
    }


def due_times(row: Any, tz: str) -> list[tuple[str, str, datetime]]:
    """(kind, detail, due) of every time-based alert of a campaign: deadlines, launch, result."""
    found = []
    for days in (*DEADLINE_DAYS, 0):
        due = deadline_due(row.ends_at, days, tz)
        if row.starts_at <= due < row.ends_at:
            found.append(("deadline", str(days), due))
    if row.starts_at < row.ends_at:
        found.append(("launch", "", row.starts_at))
    found.append(("result", "", row.ends_at))
    return found


def timed_alerts(
    row: Any, tz: str, after: datetime | None = None, until: datetime | None = None
) -> list[Alert]:
    """The campaign's time-based alerts, only those due in (after, until] when given."""
    found = []
    for kind, detail, due in due_times(row, tz):
        if (after is not None and due <= after) or (until is not None and due > until):
            continue
        content = _facts(row)
        if kind == "deadline":
            which = detail if detail != "0" else "last_day"
            content |= {"which": which, "days": days_to_go(due, row.ends_at, tz)}
        elif kind == "result":
            content["funded"] = row.raised_cents >= row.goal_cents
        key = f"{kind}:{detail}:{row.id}" if detail else f"{kind}:{row.id}"
        void_from = None if kind == "result" else row.ends_at
        found.append(Alert(kind, key, row.id, due, content, void_from))
    return found
