"""A page of campaigns as a message: numbered lines, card buttons, paging and filters."""

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.domain.campaigns import CATEGORY_FILTERS, STATUS_FILTERS
from bot.domain.gazetteer import Gazetteer
from bot.ui import formatting
from bot.ui.callbacks import CardView, ListFilter, ListView
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

    def view(self, page: int | None = None, **changes: str) -> ListView:
        fields = {
            "src": self.src,
            "page": self.page if page is None else page,
            "cat": self.cat,
            "st": self.st,
            "q": self.q,
            **changes,
        }
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


def page_keyboard(
    state: ListState, items: list[ListItem], has_next: bool, page_size: int
) -> InlineKeyboardMarkup:
    """The list's buttons. Neighbours see the same pages: a keyboard is built once (aiogram's
    models cost more to build than the rest of the page) and shared, never changed."""
    return page_keyboard_of(state, tuple(item.id for item in items), has_next, page_size)


def page_keyboard_of(
    state: ListState, ids: tuple[int, ...], has_next: bool, page_size: int
) -> InlineKeyboardMarkup:
    return _page_keyboard(state, ids, has_next, page_size, locale())


@lru_cache(maxsize=256)
def _page_keyboard(
    state: ListState, ids: tuple[int, ...], has_next: bool, page_size: int, locale: str
) -> InlineKeyboardMarkup:
    first = state.page * page_size + 1
    rows: list[list[InlineKeyboardButton]] = []
    if ids:
        rows.append(
            [
                _card_button(state, campaign_id, first + index)
                for index, campaign_id in enumerate(ids)
            ]
        )
    rows += _control_rows(state, has_next, locale)
    return InlineKeyboardMarkup(inline_keyboard=rows)


@lru_cache(maxsize=1024)
def _card_button(state: ListState, campaign_id: int, number: int) -> InlineKeyboardButton:
    """A numbered button that opens a card; the same for every page that shows it there."""
    return InlineKeyboardButton(text=str(number), callback_data=_card_data(state, campaign_id))


@lru_cache(maxsize=4096)
def _card_data(state: ListState, campaign_id: int) -> str:
    """A card's callback data, whatever its number on the page."""
    return CardView(
        id=campaign_id, src=state.src, page=state.page, cat=state.cat, st=state.st, q=state.q
    ).pack()


@lru_cache(maxsize=1024)
def _control_rows(
    state: ListState, has_next: bool, _locale: str
) -> tuple[list[InlineKeyboardButton], ...]:
    """Paging and filter buttons, which depend on the page's state and not on its campaigns."""
    rows = []
    paging = []
    if state.page > 0:
        paging.append(
            InlineKeyboardButton(
                text=_("list.previous"), callback_data=state.view(page=state.page - 1).pack()
            )
        )
    if has_next:
        paging.append(
            InlineKeyboardButton(
                text=_("list.next"), callback_data=state.view(page=state.page + 1).pack()
            )
        )
    if paging:
        rows.append(paging)
    if state.src != "f":
        rows.append(
            [
                InlineKeyboardButton(
                    text=_("list.filter_category").format(value=category_label(state.cat)),
                    callback_data=ListFilter(
                        what="c", src=state.src, cat=state.cat, st=state.st, q=state.q
                    ).pack(),
                ),
                InlineKeyboardButton(
                    text=_("list.filter_status").format(value=status_label(state.st)),
                    callback_data=ListFilter(
                        what="s", src=state.src, cat=state.cat, st=state.st, q=state.q
                    ).pack(),
                ),
            ]
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
