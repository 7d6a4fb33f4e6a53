"""How a broadcast (a holder's news) looks to one reader: the one rendering that the preview and
the delivery worker share, so that the preview is exactly what followers will see."""

from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.ui.notifications import Reader

CAPTION_LIMIT = 1024  # Telegram's limit for a photo's caption (after entity parsing)
TEXT_LIMIT = 4096  # and for a message's text


def news_text(title: str, body_html: str, reader: Reader) -> str:
    """The campaign's name as a header in the reader's language, then the holder's text (HTML
    as Telegram's entities gave it)."""
    return reader.t("news.header", title=escape(title)) + "\n\n" + body_html


def news_markup(
    link_url: str | None, link_label: str | None, reader: Reader
) -> InlineKeyboardMarkup | None:
    """The optional link button (its label in the reader's language unless the holder gave one)."""
    if not link_url:
        return None
    label = link_label or reader.t("news.link")
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=label, url=link_url)]])


def news_fits(title: str, body_html: str, has_photo: bool, reader: Reader) -> bool:
    """The news fits one message (a caption when it has a photo) for this reader."""
    limit = CAPTION_LIMIT if has_photo else TEXT_LIMIT
    return _length(news_text(title, body_html, reader)) <= limit


def _length(html_text: str) -> int:
    # An upper bound: tags do not count towards Telegram's limit.
    return len(html_text.encode("utf-16-le")) // 2
