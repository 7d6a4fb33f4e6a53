"""What operations' reminders and "new near you" say, in the reader's language, from the outbox
row's raw content (registered with bot.ui.notifications, as the alerts are in bot.ui.alert_texts).

- "reminder": {"which": "call_7d" | "call_1d" | "launch", "name", "closes_at" (ISO), "link",
  "projects", "near"}. The launch-day one gives the number of the operation's live and upcoming
  projects within the reader's radius ("near", counted per reader when the rows are written);
  a reader with none near them (or a row written without "near") reads the operation's number
  ("projects") instead. Its message carries a button that opens the reader's nearby list
  (launch_markup: on the message, grouped or not, that holds a launch reminder).
- "new_nearby": a campaign that starts within the reader's radius: {"campaign", "title",
  "goal_cents", "ends_at" (ISO), "km"}. Several due together are one message, as alerts are.
"""

from collections.abc import Sequence
from datetime import datetime
from html import escape
from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.ui import formatting
from bot.ui.callbacks import NearbyOpen
from bot.ui.notifications import Item, Reader, register


def _date(iso: str, reader: Reader) -> str:
    return formatting.date(datetime.fromisoformat(iso), reader.locale, reader.tz)


@register("reminder")
def render_reminder(content: dict[str, Any], reader: Reader) -> str:
    name, which = escape(str(content["name"])), str(content["which"])
    if which == "launch":
        near = int(content.get("near") or 0)
        count = near or int(content["projects"])
        key = "reminder.launch_near" if near else "reminder.launch"
        head = reader.i18n.gettext(key, f"{key}_plural", count, locale=reader.locale)
        return head.format(name=name, count=count)
    head = reader.t(f"reminder.{which}", name=name, date=_date(str(content["closes_at"]), reader))
    link = content.get("link")
    return "\n".join((head, reader.t("reminder.link", link=escape(link)))) if link else head


def launch_markup(rows: Sequence[Item], reader: Reader) -> dict[str, Any] | None:
    """The reply_markup (as JSON) of a message holding these rows: a button that opens the
    reader's nearby list when one of them is a launch reminder, else None."""
    if not any(r.kind == "reminder" and r.content.get("which") == "launch" for r in rows):
        return None
    button = InlineKeyboardButton(
        text=reader.t("reminder.nearby_button"), callback_data=NearbyOpen().pack()
    )
    markup = InlineKeyboardMarkup(inline_keyboard=[[button]])
    return markup.model_dump(exclude_none=True)


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
