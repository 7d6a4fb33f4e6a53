"""deliver_at: quiet hours (wrapping midnight), the digest hour, the DST change days."""

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.quiet_hours import deliver_at, in_window

PARIS = ZoneInfo("Europe/Paris")


@dataclass
class Prefs:
    quiet_hours: bool = True
    quiet_start: int = 21 * 60
    quiet_end: int = 8 * 60
    digest_hour: int | None = None


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        (paris(2026, 11, 23, 14, 0), paris(2026, 11, 23, 14, 0)),  # daytime: now
        (paris(2026, 11, 23, 21, 0), paris(2026, 11, 24, 8, 0)),  # quiet starts
        (paris(2026, 11, 23, 23, 30), paris(2026, 11, 24, 8, 0)),  # before midnight
        (paris(2026, 11, 24, 3, 0), paris(2026, 11, 24, 8, 0)),  # after midnight
        (paris(2026, 11, 24, 8, 0), paris(2026, 11, 24, 8, 0)),  # quiet just ended
        (paris(2026, 11, 23, 20, 59), paris(2026, 11, 23, 20, 59)),
    ],
)
def test_quiet_hours_wrap_midnight(due: datetime, expected: datetime) -> None:
    assert deliver_at(due.astimezone(UTC), Prefs(), "Europe/Paris") == expected
    assert deliver_at(due.astimezone(UTC), Prefs(), "Europe/Paris").tzinfo == UTC


def test_quiet_hours_off_and_daytime_window() -> None:
    night = paris(2026, 11, 23, 23, 0).astimezone(UTC)
    assert deliver_at(night, Prefs(quiet_hours=False), "Europe/Paris") == night
    lunch = Prefs(quiet_start=12 * 60, quiet_end=14 * 60 + 30)
    assert deliver_at(paris(2026, 11, 23, 13, 0), lunch, "Europe/Paris") == paris(
        2026, 11, 23, 14, 30
    )
    assert deliver_at(paris(2026, 11, 23, 15, 0), lunch, "Europe/Paris") == paris(
        2026, 11, 23, 15, 0
    )
    assert not in_window(600, 600, 600)


def test_digest_hour_next_occurrence() -> None:
    digest = Prefs(digest_hour=18)
    assert deliver_at(paris(2026, 11, 23, 9, 0), digest, "Europe/Paris") == paris(
        2026, 11, 23, 18, 0
    )
    assert deliver_at(paris(2026, 11, 23, 18, 0), digest, "Europe/Paris") == paris(
        2026, 11, 23, 18, 0
    )
    assert deliver_at(paris(2026, 11, 23, 18, 1), digest, "Europe/Paris") == paris(
        2026, 11, 24, 18, 0
    )
    # The digest wins over quiet hours: the user chose that hour.
    assert deliver_at(paris(2026, 11, 23, 22, 0), Prefs(digest_hour=7), "Europe/Paris") == paris(
        2026, 11, 24, 7, 0
    )


def test_dst_spring_forward() -> None:
    # 2026-03-29: 02:00 CET becomes 03:00 CEST. Quiet hours end at 08:00 CEST = 06:00 UTC.
    due = datetime(2026, 3, 28, 23, 0, tzinfo=UTC)  # 00:00 CET
    assert deliver_at(due, Prefs(), "Europe/Paris") == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)
    # From the evening before the change, 08:00 the next morning is already CEST.
    before = datetime(2026, 3, 28, 21, 0, tzinfo=UTC)  # 22:00 CET on the 28th
    assert deliver_at(before, Prefs(), "Europe/Paris") == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)
    # A digest at 02:00 on the change day does not exist: it moves to 03:00 CEST.
    digest = deliver_at(
        datetime(2026, 3, 28, 23, 30, tzinfo=UTC), Prefs(digest_hour=2), "Europe/Paris"
    )
    assert digest == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert digest.astimezone(PARIS).hour == 3


def test_dst_fall_back() -> None:
    # 2026-10-25: 03:00 CEST becomes 02:00 CET. Quiet hours end at 08:00 CET = 07:00 UTC.
    due = datetime(2026, 10, 24, 20, 0, tzinfo=UTC)  # 22:00 CEST on the 24th
    assert deliver_at(due, Prefs(), "Europe/Paris") == datetime(2026, 10, 25, 7, 0, tzinfo=UTC)
    # The day before, 08:00 was CEST = 06:00 UTC.
    assert deliver_at(
        datetime(2026, 10, 23, 22, 0, tzinfo=UTC), Prefs(), "Europe/Paris"
    ) == datetime(2026, 10, 24, 6, 0, tzinfo=UTC)
    # A digest at 18:00 on the change day is 17:00 UTC (CET).
    digest = deliver_at(
        datetime(2026, 10, 25, 9, 0, tzinfo=UTC), Prefs(digest_hour=18), "Europe/Paris"
    )
    assert digest == datetime(2026, 10, 25, 17, 0, tzinfo=UTC)
    # In the repeated hour (02:30 occurs twice), quiet hours still end at 08:00 CET.
    repeated = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 CET, the second one
    assert deliver_at(repeated, Prefs(), "Europe/Paris") == datetime(2026, 10, 25, 7, 0, tzinfo=UTC)
