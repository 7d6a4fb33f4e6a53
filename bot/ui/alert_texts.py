"""What the alerts say: one renderer per kind, in the reader's locale, from the row's raw content.

Content holds data only (ids, title, cents, counts, ISO dates); wording and formatting happen here,
at send time, so a user who changed language reads the alert in their current one.
"""

from datetime import datetime
from html import escape
from typing import Any

from bot.ui import formatting
from bot.ui.notifications import Reader, register


def per_day_cents(missing_cents: int, days: int) -> int:
    """The missing amount spread over `days` (at least 1), rounded up to the euro."""
    return -(-missing_cents // (max(1, days) * 100)) * 100


def _title(content: dict[str, Any]) -> str:
    return escape(str(content["title"]))


def _percent(content: dict[str, Any], locale: str) -> str:
    pct = formatting.percent(int(content["raised_cents"]), int(content["goal_cents"]))
    return formatting.percent_text(pct, locale)


def _date(iso: str, reader: Reader) -> str:
    return formatting.date(datetime.fromisoformat(iso), reader.locale, reader.tz)


def _open(content: dict[str, Any], reader: Reader) -> str:
    return reader.t("alert.open", id=int(content["campaign"]))


def gap_line(content: dict[str, Any], reader: Reader) -> str:
    """What is missing and per day, or by how much the goal is exceeded."""
    locale = reader.locale
    goal, raised = int(content["goal_cents"]), int(content["raised_cents"])
    missing = goal - raised
    if missing > 0:
        per_day = per_day_cents(missing, int(content["days"]))
        return reader.t(
            "alert.to_go",
            missing=formatting.money(missing, locale),
            per_day=formatting.money(per_day, locale),
        )
    if missing == 0:
        return reader.t("alert.reached")
    return reader.t(
        "alert.over",
        over=formatting.money(-missing, locale),
        percent=_percent(content, locale),
    )


@register("deadline")
def render_deadline(content: dict[str, Any], reader: Reader) -> str:
    head = reader.t(
        f"alert.deadline.{content['which']}",
        title=_title(content),
        date=_date(str(content["ends_at"]), reader),
    )
    return "\n".join((head, gap_line(content, reader), _open(content, reader)))


@register("milestone")
def render_milestone(content: dict[str, Any], reader: Reader) -> str:
    locale = reader.locale
    head = reader.t(
        "alert.milestone",
        title=_title(content),
        milestone=formatting.percent_text(int(content["milestone"]), locale),
        raised=formatting.money(int(content["raised_cents"]), locale),
        goal=formatting.money(int(content["goal_cents"]), locale),
    )
    return "\n".join((head, _open(content, reader)))


@register("launch")
def render_launch(content: dict[str, Any], reader: Reader) -> str:
    locale = reader.locale
    head = reader.t(
        "alert.launch",
        title=_title(content),
        goal=formatting.money(int(content["goal_cents"]), locale),
        date=_date(str(content["ends_at"]), reader),
    )
    return "\n".join((head, _open(content, reader)))


@register("retention")
def render_retention(content: dict[str, Any], reader: Reader) -> str:
    return reader.t("retention.warning", date=_date(str(content["erase_at"]), reader))


@register("result")
def render_result(content: dict[str, Any], reader: Reader) -> str:
    locale = reader.locale
    values = {
        "title": _title(content),
        "raised": formatting.money(int(content["raised_cents"]), locale),
        "goal": formatting.money(int(content["goal_cents"]), locale),
        "percent": _percent(content, locale),
    }
    if content["funded"]:
        backers = int(content["backers"])
        key = "alert.result.funded"
        text = reader.i18n.gettext(key, f"{key}_plural", backers, locale=locale)
        head = text.format(backers=backers, **values)
    else:
        head = reader.t("alert.result.not_funded", **values)
    return "\n".join((head, _open(content, reader)))


@register("cancelled")
def render_cancelled(content: dict[str, Any], reader: Reader) -> str:
    head = reader.t("alert.cancelled", title=_title(content))
    return "\n".join((head, _open(content, reader)))
