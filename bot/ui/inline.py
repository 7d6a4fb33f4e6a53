"""Inline mode: the campaigns offered when someone types `@bot words` in any chat, each posted
there as a short card with a Follow button (a deep link tagged `inline`)."""

from datetime import datetime
from html import escape
from typing import Protocol

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
)
from aiogram.utils.i18n import gettext as _

from bot.domain.gazetteer import Gazetteer
from bot.ui import formatting
from bot.ui.links import card_link
from bot.ui.listing import commune_name
from bot.ui.progress import locale, progress_line, time_left

SOURCE = "inline"  # the followers who came from a card posted this way


class Shown(Protocol):
    """What a result shows of a campaign (a list item or the campaign itself)."""

    @property
    def id(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def commune_insee(self) -> str | None: ...
    @property
    def goal_cents(self) -> int: ...
    @property
    def raised_cents(self) -> int: ...
    @property
    def starts_at(self) -> datetime: ...
    @property
    def ends_at(self) -> datetime: ...


def inline_result(
    item: Shown, gazetteer: Gazetteer, now: datetime, tz: str, bot_username: str
) -> InlineQueryResultArticle:
    """One campaign: a title and a line (percent · place · days left) to pick it by, and the
    card it posts."""
    lang = locale()
    place = commune_name(gazetteer, item.commune_insee)
    percent = formatting.percent_text(formatting.percent(item.raised_cents, item.goal_cents), lang)
    left = time_left(item.starts_at, item.ends_at, now, tz)
    text = "\n".join(
        [
            f"<b>{escape(item.title)}</b>",
            _("card.place").format(place=escape(place)),
            "",
            _("card.raised").format(
                raised=formatting.money(item.raised_cents, lang),
                goal=formatting.money(item.goal_cents, lang),
            ),
            progress_line(item.raised_cents, item.goal_cents),
            _("inline.time").format(time_left=left),
            "",
            _("inline.invite"),
        ]
    )
    follow = InlineKeyboardButton(
        text=_("inline.follow"), url=card_link(bot_username, item.id, SOURCE)
    )
    return InlineQueryResultArticle(
        id=str(item.id),
        title=item.title,
        description=_("inline.description").format(percent=percent, place=place, time_left=left),
        input_message_content=InputTextMessageContent(message_text=text, parse_mode="HTML"),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[[follow]]),
    )
