"""A page of campaigns as a message: numbered lines, card buttons, paging and filters."""

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from html import escape
from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.domain.campaigns import CATEGORY_FILTERS, STATUS_FILTERS
from bot.domain.gazetteer import Gazetteer
from bot.ui import formatting
from bot.ui.callbacks import CardView, ListContext, ListFilter, ListView
from bot.ui.progress import locale, progress_line, time_left
from storage.repo.campaigns import ListItem


@dataclass(frozen=True, slots=True)
class ListState:
    """Where a list message stands; carried in its buttons' callback data."""

    src: str
    page: int = 0
    cat: str = "*"
    st: str = "lu"
    q: str = ""

    @classmethod
    def of(cls, context: ListContext, page: int | None = None) -> "ListState":
        """The state a button's callback data carries (another page when given)."""
        page = context.page if page is None else page
        return cls(context.src, page, context.cat, context.st, context.q)

    def context(self) -> dict[str, Any]:
        """The fields of bot.ui.callbacks.ListContext, for a button's callback data."""
        return {"src": self.src, "page": self.page, "cat": self.cat, "st": self.st, "q": self.q}

    def view(self, page: int | None = None, **changes: str) -> ListView:
        fields = self.context() | changes
        if page is not None:
            fields["page"] = page
        return ListView(**fields)


def commune_name(gazetteer: Gazetteer, insee: str | None) -> str:
    commune = gazetteer.by_insee(insee) if insee else None
    return commune.name if commune else "—"


def item_text(
    number: int,
    item: ListItem,
    gazetteer: Gazetteer,
    now: datetime,
    tz: str,
    texts: tuple[str, str, str],
) -> str:
    """One numbered line of a list; `texts` (the locale, the line's and the place's templates)
    are looked up once per page."""
    locale_code, template, place_template = texts
    place = escape(commune_name(gazetteer, item.commune_insee))
    if item.distance_km is not None:
        place = place_template.format(
            place=place, distance=formatting.distance(item.distance_km, locale_code)
        )
    return template.format(
        number=number,
        title=escape(item.title),
        place=place,
        progress=progress_line(item.raised_cents, item.goal_cents, locale_code),
        time_left=time_left(item.starts_at, item.ends_at, now, tz, locale_code),
    )


def category_label(code: str) -> str:
    return _("category.all") if code == "*" else _(f"category.{code}")


def status_label(code: str) -> str:
    return _(f"status_filter.{code}")


Layout = tuple[tuple[tuple[str, str], ...], ...]  # rows of (text, callback data)


def page_keyboard(
    state: ListState, items: list[ListItem], has_next: bool, page_size: int
) -> InlineKeyboardMarkup:
    return page_keyboard_of(state, tuple(item.id for item in items), has_next, page_size)


def page_keyboard_of(
    state: ListState, ids: tuple[int, ...], has_next: bool, page_size: int
) -> InlineKeyboardMarkup:
    """The list's buttons, built afresh for each message from a layout that neighbours share
    (strings only: no aiogram object is shared between two users)."""
    layout = _page_layout(state, ids, has_next, page_size, locale())
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=text, callback_data=data) for text, data in row]
            for row in layout
        ]
    )


@lru_cache(maxsize=256)
def _page_layout(
    state: ListState, ids: tuple[int, ...], has_next: bool, page_size: int, locale: str
) -> Layout:
    first = state.page * page_size + 1
    cards = tuple(
        (str(first + index), _card_data(state, campaign_id))
        for index, campaign_id in enumerate(ids)
    )
    return ((cards,) if cards else ()) + _control_rows(state, has_next, locale)


@lru_cache(maxsize=4096)
def _card_data(state: ListState, campaign_id: int) -> str:
    """A card's callback data, whatever its number on the page."""
    return CardView(id=campaign_id, **state.context()).pack()


@lru_cache(maxsize=1024)
def _control_rows(state: ListState, has_next: bool, _locale: str) -> Layout:
    """Paging and filter buttons, which depend on the page's state and not on its campaigns."""
    rows: list[tuple[tuple[str, str], ...]] = []
    paging = []
    if state.page > 0:
        paging.append((_("list.previous"), state.view(page=state.page - 1).pack()))
    if has_next:
        paging.append((_("list.next"), state.view(page=state.page + 1).pack()))
    if paging:
        rows.append(tuple(paging))
    if state.src != "f":
        filters = state.context() | {"page": 0}
        rows.append(
            (
                (
                    _("list.filter_category").format(value=category_label(state.cat)),
                    ListFilter(what="c", **filters).pack(),
                ),
                (
                    _("list.filter_status").format(value=status_label(state.st)),
                    ListFilter(what="s", **filters).pack(),
                ),
            )
        )
    return tuple(rows)


def filter_keyboard(state: ListState, what: str) -> InlineKeyboardMarkup:
    """The choices of one filter; picking one shows the first page again."""
    if what == "c":
        choices = [
            (category_label(code), state.view(page=0, cat=code), code == state.cat)
            for code in CATEGORY_FILTERS
        ]
    else:
        choices = [
            (status_label(code), state.view(page=0, st=code), code == state.st)
            for code in STATUS_FILTERS
        ]
    buttons = [
        InlineKeyboardButton(text=("• " if chosen else "") + label, callback_data=view.pack())
        for label, view, chosen in choices
    ]
    rows = [buttons[index : index + 2] for index in range(0, len(buttons), 2)]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def page_text(
    header: str,
    items: list[ListItem],
    state: ListState,
    page_size: int,
    gazetteer: Gazetteer,
    now: datetime,
    tz: str,
) -> str:
    first = state.page * page_size + 1
    texts = (locale(), _("list.item"), _("list.place_distance"))
    lines = [header, ""]
    lines += [
        item_text(first + index, item, gazetteer, now, tz, texts)
        for index, item in enumerate(items)
    ]
    return "\n".join(lines)
