"""What operations' reminders and "new near you" say, in the reader's language, from the outbox
row's raw content (registered with bot.ui.notifications, as the alerts are in bot.ui.alert_texts).

- "reminder": {"which": "call_7d" | "call_1d" | "launch", "name", "closes_at" (ISO), "link",
  "projects"}. The launch-day one gives the operation's number of projects, the same for every
  reader, and /nearby (a tap in Telegram) for the ones near them: counting per reader would
  need a content per reader.
- "new_nearby": a campaign that starts within the reader's radius: {"campaign", "title",
  "goal_cents", "ends_at" (ISO), "km"}. Several due together are one message, as alerts are.
"""

from datetime import datetime
from html import escape
from typing import Any

from bot.ui import formatting
from bot.ui.notifications import Reader, register


def _date(iso: str, reader: Reader) -> str:
    return formatting.date(datetime.fromisoformat(iso), reader.locale, reader.tz)


@register("reminder")
def render_reminder(content: dict[str, Any], reader: Reader) -> str:
    name, which = escape(str(content["name"])), str(content["which"])
    if which == "launch":
        count = int(content["projects"])
        key = "reminder.launch"
        head = reader.i18n.gettext(key, f"{key}_plural", count, locale=reader.locale)
        return "\n".join((head.format(name=name, count=count), reader.t("reminder.nearby")))
    head = reader.t(f"reminder.{which}", name=name, date=_date(str(content["closes_at"]), reader))
    link = content.get("link")
    return "\n".join((head, reader.t("reminder.link", link=escape(link)))) if link else head


@register("new_nearby")
def render_new_nearby(content: dict[str, Any], reader: Reader) -> str:
    locale = reader.locale
    head = reader.t(
        "new_nearby.item",
        title=escape(str(content["title"])),
        distance=formatting.distance(float(content["km"]), locale),
        goal=formatting.money(int(content["goal_cents"]), locale),
        date=_date(str(content["ends_at"]), reader),
    )
    return "\n".join((head, reader.t("alert.open", id=int(content["campaign"]))))
