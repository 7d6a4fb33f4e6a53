"""Holders' news as residents find them on a card: the latest one in a line, "+350 € this week",
and the pages of past news."""

import re
from html import escape, unescape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.ui import formatting
from bot.ui.callbacks import CardPhoto, PastNews
from storage.models import Broadcast
from storage.repo.news import CardFacts

CARD_EXCERPT = 120  # characters of the latest news on a card
PAGE_EXCERPT = 600  # characters of each news on a page of past news
PAGE_SIZE = 5  # 5 x 600 characters and their dates fit one message with room to spare

_SPOILER = re.compile(r"<tg-spoiler>.*?</tg-spoiler>|<span class=\"tg-spoiler\">.*?</span>", re.S)
_TAG = re.compile(r"<[^>]*>")


def plain(html_text: str) -> str:
    """What the news says without its formatting (a spoiler stays hidden)."""
    return unescape(_TAG.sub("", _SPOILER.sub("…", html_text)))


def excerpt(html_text: str, limit: int, first_line: bool = False) -> str:
    """The start of the news as plain text, cut at `limit` characters (at a word when it can),
    ready for HTML."""
    text = plain(html_text).strip()
    text = text.split("\n", 1)[0].strip() if first_line else re.sub(r"\n{3,}", "\n\n", text)
    if len(text) > limit:
        cut = text[: limit - 1]
        space = cut.rfind(" ")
        text = (cut[:space] if space > limit // 2 else cut).rstrip() + "…"
    return escape(text)


def card_lines(raised_cents: int, facts: CardFacts | None, lang: str, tz: str) -> list[str]:
    """The card's extra lines: the week's gain (when known and positive), the latest news."""
    if facts is None:
        return []
    lines = []
    if facts.raised_week_ago is not None and raised_cents > facts.raised_week_ago:
        gain = formatting.money(raised_cents - facts.raised_week_ago, lang)
        lines.append(_("card.week_gain").format(amount=gain))
    if facts.news_text is not None and facts.news_at is not None:
        lines.append(
            _("card.latest_news").format(
                date=formatting.date(facts.news_at, lang, tz),
                text=excerpt(facts.news_text, CARD_EXCERPT, first_line=True),
            )
        )
    return lines


def card_buttons(campaign_id: int, has_news: bool, has_photo: bool) -> list[InlineKeyboardButton]:
    """The card's "Past news" and "Photo" buttons, each only when there is something to show."""
    row = []
    if has_news:
        data = PastNews(id=campaign_id).pack()
        row.append(InlineKeyboardButton(text=_("card.past_news"), callback_data=data))
    if has_photo:
        data = CardPhoto(id=campaign_id).pack()
        row.append(InlineKeyboardButton(text=_("card.photo"), callback_data=data))
    return row


def page_text(title: str, items: list[Broadcast], page: int, pages: int, lang: str, tz: str) -> str:
    """A page of past news, newest first: date, text (cut), a 📷 when it had a photo, its link."""
    parts = [_("news.past.header").format(title=escape(title), page=page + 1, pages=pages)]
    for item in items:
        lines = [
            _("news.past.date").format(date=formatting.datetime(item.created_at, lang, tz)),
            excerpt(item.text, PAGE_EXCERPT),
        ]
        if item.photo_file_id:
            lines[0] += " 📷"
        if item.link_url:
            label = escape(item.link_label or _("news.link"))
            lines.append(f'<a href="{escape(item.link_url, quote=True)}">{label}</a>')
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def page_keyboard(campaign_id: int, page: int, pages: int) -> InlineKeyboardMarkup | None:
    row = []
    if page > 0:
        data = PastNews(id=campaign_id, page=page - 1, turn=True).pack()
        row.append(InlineKeyboardButton(text=_("news.past.newer"), callback_data=data))
    if page + 1 < pages:
        data = PastNews(id=campaign_id, page=page + 1, turn=True).pack()
        row.append(InlineKeyboardButton(text=_("news.past.older"), callback_data=data))
    return InlineKeyboardMarkup(inline_keyboard=[row]) if row else None
