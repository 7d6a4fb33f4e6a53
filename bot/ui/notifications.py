"""What a notification says: a renderer per kind, and the grouping of one user's due items.

A renderer turns one outbox row's `content` into the HTML of ONE item, for a reader (their
language, the bot's time zone for dates, the catalogues):

    @register("deadline")
    def render_deadline(content: dict, reader: Reader) -> str: ...

Built in: "text" (content {"text": "<already rendered HTML>"}), used by holders' news and
coordinators' announcements (kinds "news" and "announcement" render the same way). The alerts
texts module (bot.ui.alert_texts) registers "deadline", "milestone", "launch" and "result";
`load_kinds()` imports it, and the delivery worker calls it before it renders anything.
"""

import importlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from aiogram.utils.i18n import I18n

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reader:
    """Who a notification is rendered for: their language, the bot's time zone, the texts."""

    locale: str
    tz: str
    i18n: I18n

    def t(self, key: str, **values: Any) -> str:
        return self.i18n.gettext(key, locale=self.locale).format(**values)


Renderer = Callable[[dict[str, Any], Reader], str]
MAX_LENGTH = 4096  # Telegram's limit for a message text (after entity parsing)
SEPARATOR = "\n\n"
KIND_MODULES = ("bot.ui.alert_texts", "bot.ui.application_texts", "bot.ui.reminder_texts")

# The user's toggle (a User column) for each kind; kinds not listed are always sent.
TOGGLES = {
    "deadline": "notify_deadlines",
    "milestone": "notify_milestones",
    "launch": "notify_launches",
    "result": "notify_launches",
    "cancelled": "notify_launches",  # a campaign the platform cancelled: its result
    "news": "notify_news",
    "announcement": "notify_announcements",
    "reminder": "notify_announcements",  # kept in step with the consent (audience.set_consent)
    "new_nearby": "notify_new_nearby",
}

_renderers: dict[str, Renderer] = {}


class Item(Protocol):
    kind: str
    content: dict[str, Any]


def register(kind: str) -> Callable[[Renderer], Renderer]:
    """Decorator: `fn` renders the items of this kind."""

    def decorator(fn: Renderer) -> Renderer:
        _renderers[kind] = fn
        return fn

    return decorator


def load_kinds() -> None:
    """Import the modules that register renderers."""
    for name in KIND_MODULES:
        importlib.import_module(name)


def wanted(kind: str, user: Any) -> bool:
    """Does the user want this kind of notification?"""
    toggle = TOGGLES.get(kind)
    return toggle is None or bool(getattr(user, toggle))


@register("text")
@register("news")
@register("announcement")
def render_text(content: dict[str, Any], reader: Reader) -> str:
    return str(content["text"])


def render_item(item: Item, reader: Reader) -> str:
    fn = _renderers.get(item.kind)
    if fn is None:
        raise LookupError(f"no renderer for kind {item.kind!r}")
    return fn(item.content, reader)


def render_messages(
    rows: Sequence[Item], reader: Reader, limit: int = MAX_LENGTH
) -> list[tuple[list[Item], str]]:
    """The group as few messages as fit Telegram's limit: (the rows in it, its text) each.

    Almost always one message; several only when the items together are too long.
    """
    texts = [render_item(row, reader) for row in rows]
    whole = _join(texts, reader)
    if _length(whole) <= limit:
        return [(list(rows), whole)]
    parts: list[tuple[list[Item], str]] = []
    chunk_rows: list[Item] = []
    chunk_texts: list[str] = []
    for row, text in zip(rows, texts, strict=True):
        if chunk_texts and _length(_join([*chunk_texts, text], reader)) > limit:
            parts.append((chunk_rows, _join(chunk_texts, reader)))
            chunk_rows, chunk_texts = [], []
        chunk_rows.append(row)
        chunk_texts.append(text)
    parts.append((chunk_rows, _join(chunk_texts, reader)))
    return parts


def _join(texts: list[str], reader: Reader) -> str:
    if len(texts) == 1:
        return texts[0]
    return SEPARATOR.join([reader.t("notify.group_header", count=len(texts)), *texts])


def _length(html_text: str) -> int:
    # Tags do not count towards the limit, but an upper bound is good enough to decide.
    return len(html_text.encode("utf-16-le")) // 2
