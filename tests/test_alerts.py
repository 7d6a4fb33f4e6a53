"""Alert rules without a database: due times (DST included), per-day figures, the texts."""

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiogram.utils.i18n import I18n

from bot.domain import alert_times as alerts
from bot.ui import formatting, notifications
from bot.ui.alert_texts import per_day_cents

PARIS = ZoneInfo("Europe/Paris")


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS).astimezone(UTC)  # type: ignore[misc]


def render(kind: str, content: dict[str, Any], locale: str, i18n: I18n) -> str:
    item = SimpleNamespace(kind=kind, content=content)
    return notifications.render_item(item, notifications.Reader(locale, "Europe/Paris", i18n))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def test_seven_day_alert_before_the_dst_change_is_at_10_paris_summer_time() -> None:
    # Ends on Saturday 31 October 2026 (winter time); alert on Saturday 24 (summer time, UTC+2).
    assert alerts.deadline_due(paris(2026, 10, 31, 20, 0), 7, "Europe/Paris") == utc(
        2026, 10, 24, 8, 0
    )


def test_seven_day_alert_on_the_dst_change_day_is_at_10_paris_winter_time() -> None:
    # Ends on 1 November 2026; alert on Sunday 25 October, the day clocks go back (UTC+1).
    assert alerts.deadline_due(paris(2026, 11, 1, 20, 0), 7, "Europe/Paris") == utc(
        2026, 10, 25, 9, 0
    )


def test_two_day_alert_is_at_10_two_days_before_the_end_day() -> None:
    assert alerts.deadline_due(paris(2026, 12, 5, 23, 59), 2, "Europe/Paris") == paris(
        2026, 12, 3, 10, 0
    )


def test_last_day_alert_is_at_9_on_the_end_day() -> None:
    assert alerts.deadline_due(paris(2026, 12, 5, 18, 0), 0, "Europe/Paris") == paris(
        2026, 12, 5, 9, 0
    )


@pytest.mark.parametrize("hour", [0, 8, 9])
def test_last_day_alert_is_the_evening_before_when_it_ends_by_9(hour: int) -> None:
    assert alerts.deadline_due(paris(2026, 12, 5, hour, 0), 0, "Europe/Paris") == paris(
        2026, 12, 4, 18, 0
    )


def test_launch_alert_is_due_when_the_campaign_starts() -> None:
    row = Row(starts_at=paris(2026, 11, 24, 20, 0))
    [launch] = [a for a in alerts.timed_alerts(row, "Europe/Paris") if a.kind == "launch"]
    assert launch.due_at == paris(2026, 11, 24, 20, 0)


def test_days_to_go_counts_calendar_days_and_at_least_one() -> None:
    end = paris(2026, 12, 10, 20, 0)
    assert alerts.days_to_go(paris(2026, 12, 3, 10, 0), end, "Europe/Paris") == 7
    assert alerts.days_to_go(paris(2026, 12, 10, 9, 0), end, "Europe/Paris") == 1


def test_per_day_is_rounded_up_to_the_euro() -> None:
    assert per_day_cents(170_000, 7) == 24_300  # 1 700 € over 7 days: 242,86 → 243 €
    assert per_day_cents(70_000, 7) == 10_000
    assert per_day_cents(1, 2) == 100
    assert per_day_cents(5_000, 0) == 5_000


class Row:
    """A campaign row as the scan reads it."""

    def __init__(self, **values: object) -> None:
        defaults: dict[str, object] = {
            "id": 7,
            "title": "Four <à> pain",
            "goal_cents": 500_000,
            "raised_cents": 330_000,
            "backers": 41,
            "starts_at": paris(2026, 11, 1, 12, 0),
            "ends_at": paris(2026, 12, 10, 20, 0),
        }
        self.__dict__.update(defaults | values)


def test_a_campaign_has_three_deadlines_a_launch_and_a_result() -> None:
    found = {a.key: a.due_at for a in alerts.timed_alerts(Row(), "Europe/Paris")}
    assert found == {
        "deadline:7:7": paris(2026, 12, 3, 10, 0),
        "deadline:2:7": paris(2026, 12, 8, 10, 0),
        "deadline:0:7": paris(2026, 12, 10, 9, 0),
        "launch:7": paris(2026, 11, 1, 12, 0),
        "result:7": paris(2026, 12, 10, 20, 0),
    }


def test_no_deadline_alert_before_the_campaign_starts() -> None:
    row = Row(starts_at=paris(2026, 12, 5, 12, 0))
    kinds = sorted(a.key for a in alerts.timed_alerts(row, "Europe/Paris"))
    assert kinds == ["deadline:0:7", "deadline:2:7", "launch:7", "result:7"]


def deadline_content(**values: object) -> dict[str, object]:
    row = Row(**values)
    alert = next(a for a in alerts.timed_alerts(row, "Europe/Paris") if a.key == "deadline:7:7")
    return alert.content


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_deadline_text_says_what_is_missing_and_per_day(i18n: I18n, locale: str) -> None:
    content = deadline_content()
    text = render("deadline", content, locale, i18n)
    head = i18n.gettext("alert.deadline.7", locale=locale).format(
        title="Four &lt;à&gt; pain",
        date=formatting.date(paris(2026, 12, 10, 20, 0), locale, "Europe/Paris"),
    )
    to_go = i18n.gettext("alert.to_go", locale=locale).format(
        missing=formatting.money(170_000, locale), per_day=formatting.money(24_300, locale)
    )
    link = i18n.gettext("alert.open", locale=locale).format(id=7)
    assert text == f"{head}\n{to_go}\n{link}"


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_deadline_text_says_by_how_much_the_goal_is_exceeded(i18n: I18n, locale: str) -> None:
    text = render("deadline", deadline_content(raised_cents=612_500), locale, i18n)
    over = i18n.gettext("alert.over", locale=locale).format(
        over=formatting.money(112_500, locale), percent=formatting.percent_text(122, locale)
    )
    assert text.split("\n")[1] == over


def test_result_texts(i18n: I18n) -> None:
    row = Row(raised_cents=612_500)
    result = next(a for a in alerts.timed_alerts(row, "Europe/Paris") if a.kind == "result")
    text = render("result", result.content, "en", i18n)
    funded = i18n.gettext("alert.result.funded", "alert.result.funded_plural", 41, locale="en")
    assert text.split("\n")[0] == funded.format(
        title="Four &lt;à&gt; pain",
        raised=formatting.money(612_500, "en"),
        goal=formatting.money(500_000, "en"),
        percent=formatting.percent_text(122, "en"),
        backers=41,
    )
    short = next(a for a in alerts.timed_alerts(Row(), "Europe/Paris") if a.kind == "result")
    text = render("result", short.content, "fr", i18n)
    assert text.split("\n")[0] == i18n.gettext("alert.result.not_funded", locale="fr").format(
        title="Four &lt;à&gt; pain",
        raised=formatting.money(330_000, "fr"),
        goal=formatting.money(500_000, "fr"),
        percent=formatting.percent_text(66, "fr"),
    )


def test_every_alert_kind_has_a_renderer(i18n: I18n) -> None:
    for alert in alerts.timed_alerts(Row(), "Europe/Paris"):
        for locale in ("fr", "en"):
            assert "Four &lt;à&gt; pain" in render(alert.kind, alert.content, locale, i18n)
