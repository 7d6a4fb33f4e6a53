"""Pure rules of announcements: a typed send time, and when each automatic reminder is due."""

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from bot.domain import reminders
from bot.domain.schedule import parse_send_at

TZ = "Europe/Paris"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("03/02/2027 10:00", datetime(2027, 2, 3, 9, 0, tzinfo=UTC)),  # winter: UTC+1
        ("3.2.2027 10h30", datetime(2027, 2, 3, 9, 30, tzinfo=UTC)),
        ("2027-06-03 à 9h", datetime(2027, 6, 3, 7, 0, tzinfo=UTC)),  # summer: UTC+2
        ("28/03/2027 02:30", datetime(2027, 3, 28, 1, 30, tzinfo=UTC)),  # skipped: read 03:30
        ("03/02/2027", None),
        ("10:00", None),
        ("31/02/2027 10:00", None),
        ("03/02/2027 24:00", None),
        ("03/02/2027 10:61", None),
        ("demain 10h", None),
        ("", None),
    ],
)
def test_a_typed_send_time_is_read_on_the_local_clock(
    typed: str, expected: datetime | None
) -> None:
    assert parse_send_at(typed, TZ) == expected


@dataclass
class Op:
    id: int = 12
    call_closes_at: datetime | None = datetime(2027, 1, 31, 22, 59, tzinfo=UTC)  # 23:59 Paris
    launch_at: datetime | None = datetime(2027, 2, 4, 23, 0, tzinfo=UTC)  # 5 Feb 00:00 Paris
    remind_call_7d: bool = True
    remind_call_1d: bool = True
    remind_launch: bool = True


def test_reminders_fall_at_ten_on_their_days() -> None:
    found = reminders.schedule(Op(), TZ)
    assert [(r.which, r.due_at) for r in found] == [
        ("call_7d", datetime(2027, 1, 24, 9, 0, tzinfo=UTC)),
        ("call_1d", datetime(2027, 1, 30, 9, 0, tzinfo=UTC)),
        ("launch", datetime(2027, 2, 5, 9, 0, tzinfo=UTC)),
    ]
    assert [r.key(12) for r in found] == ["call_7d:12", "call_1d:12", "launch:12"]


def test_only_the_latest_due_reminder_is_sent_and_none_once_void() -> None:
    op = Op()
    assert reminders.due(op, TZ, datetime(2027, 1, 24, 8, 59, tzinfo=UTC)) == []
    at = datetime(2027, 1, 24, 9, 0, tzinfo=UTC)
    assert [r.which for r in reminders.due(op, TZ, at)] == ["call_7d"]
    # After a downtime across the 1-day reminder's time, only that one is due.
    at = datetime(2027, 1, 30, 12, 0, tzinfo=UTC)
    assert [r.which for r in reminders.due(op, TZ, at)] == ["call_1d"]
    assert reminders.due(op, TZ, datetime(2027, 1, 31, 23, 0, tzinfo=UTC)) == []  # closed
    at = datetime(2027, 2, 5, 20, 0, tzinfo=UTC)
    assert [r.which for r in reminders.due(op, TZ, at)] == ["launch"]
    assert reminders.due(op, TZ, datetime(2027, 2, 5, 23, 0, tzinfo=UTC)) == []  # next day


def test_a_reminder_turned_off_is_not_due_and_a_late_launch_waits_for_it() -> None:
    op = Op(remind_call_7d=False, launch_at=datetime(2027, 2, 5, 17, 0, tzinfo=UTC))
    assert reminders.turned_off(op) == ["call_7d"]
    at = datetime(2027, 1, 24, 9, 0, tzinfo=UTC)
    assert reminders.due(op, TZ, at, reminders.turned_off(op)) == []
    [launch] = [r for r in reminders.schedule(op, TZ) if r.which == "launch"]
    assert launch.due_at == datetime(2027, 2, 5, 17, 0, tzinfo=UTC)  # 18:00, after 10:00
    assert reminders.schedule(Op(call_closes_at=None, launch_at=None), TZ) == []


def test_near_counts_the_points_within_the_radius_and_none_without_a_point() -> None:
    tours, orleans, blois = (47.394, 0.684), (47.902, 1.909), (47.586, 1.336)
    points = [tours, tours, orleans, blois]
    assert reminders.near(*tours, 25, points) == 2  # Blois is about 54 km away
    assert reminders.near(*tours, 60, points) == 3
    assert reminders.near(*orleans, 5, points) == 1
    assert reminders.near(None, None, 25, points) == 0
