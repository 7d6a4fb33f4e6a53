"""What a notification says: a renderer per kind, and the grouping of one user's due items.

A renderer turns one outbox row's `content` into the HTML of ONE item, in a locale:

    @register("deadline")
    def render_deadline(content: dict, locale: str, i18n: I18n) -> str: ...

Built in: "text" (content {"text": "<already rendered HTML>"}), used by holders' news and
coordinators' announcements (kinds "news" and "announcement" render the same way). The alerts
module registers "deadline", "milestone", "launch" and "result"; `load_kinds()` imports every
module of KIND_MODULES that exists, and the delivery worker calls it before it renders anything.
"""

import importlib
import logging
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from aiogram.utils.i18n import I18n

log = logging.getLogger(__name__)

Renderer = Callable[[dict[str, Any], str, I18n], str]
MAX_LENGTH = 4096  # Telegram's limit for a message text (after entity parsing)
SEPARATOR = "\n\n"
KIND_MODULES = ("bot.alerts",)

# The user's toggle (a User column) for each kind; kinds not listed are always sent.
TOGGLES = {
    "deadline": "notify_deadlines",
    "milestone": "notify_milestones",
    "launch": "notify_launches",
    "result": "notify_launches",
    "news": "notify_news",
    "announcement": "notify_announcements",
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


def renderer(kind: str) -> Renderer | None:
    return _renderers.get(kind)


def load_kinds() -> None:
    """Import the modules that register renderers (those that exist yet)."""
    for name in KIND_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            log.warning("notification kinds: module %s not found", name)


def wanted(kind: str, user: Any) -> bool:
    """Does the user want this kind of notification?"""
    toggle = TOGGLES.get(kind)
    return toggle is None or bool(getattr(user, toggle))


@register("text")
@register("news")
@register("announcement")
def render_text(content: dict[str, Any], locale: str, i18n: I18n) -> str:
    return str(content["text"])


def render_item(item: Item, locale: str, i18n: I18n) -> str:
    fn = _renderers.get(item.kind)
    if fn is None:
        raise LookupError(f"no renderer for kind {item.kind!r}")
    return fn(item.content, locale, i18n)


def render_group(rows: Sequence[Item], locale: str, i18n: I18n) -> str:
    """The items due together for one user, as one message (a header when there are several)."""
    return _join([render_item(row, locale, i18n) for row in rows], locale, i18n)


def render_messages(
    rows: Sequence[Item], locale: str, i18n: I18n, limit: int = MAX_LENGTH
) -> list[tuple[list[Item], str]]:
    """The group as few messages as fit Telegram's limit: (the rows in it, its text) each.

    Almost always one message; several only when the items together are too long.
    """
    texts = [render_item(row, locale, i18n) for row in rows]
    whole = _join(texts, locale, i18n)
    if _length(whole) <= limit:
        return [(list(rows), whole)]
    parts: list[tuple[list[Item], str]] = []
    chunk_rows: list[Item] = []
    chunk_texts: list[str] = []
    for row, text in zip(rows, texts, strict=True):
        if chunk_texts and _length(_join([*chunk_texts, text], locale, i18n)) > limit:
            parts.append((chunk_rows, _join(chunk_texts, locale, i18n)))
            chunk_rows, chunk_texts = [], []
        chunk_rows.append(row)
        chunk_texts.append(text)
    parts.append((chunk_rows, _join(chunk_texts, locale, i18n)))
    return parts


def _join(texts: list[str], locale: str, i18n: I18n) -> str:
    if len(texts) == 1:
        return texts[0]
    header = i18n.gettext("notify.group_header", locale=locale).format(count=len(texts))
    return SEPARATOR.join([header, *texts])


def _length(html_text: str) -> int:
    # Tags do not count towards the limit, but an upper bound is good enough to decide.
    return len(html_text.encode("utf-16-le")) // 2
