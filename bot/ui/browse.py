"""Builds list pages (nearby, search, following) from the database and the user's settings."""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import clock
from bot.domain.campaigns import CATEGORY_FILTERS, STATUS_FILTERS, wider_radius
from bot.domain.gazetteer import Gazetteer, normalise
from bot.readmodels.sync import ReadModels
from bot.settings import Settings
from bot.ui.callbacks import RadiusPick
from bot.ui.listing import ListState, commune_name, page_keyboard, page_keyboard_of, page_text
from bot.ui.progress import locale
from storage.models import User
from storage.repo import campaigns
from storage.repo.campaigns import ListItem

MAX_PAGE = 1000
MAX_QUERY_CHARS = 100


@dataclass(frozen=True, slots=True)
class Rendered:
    text: str
    markup: InlineKeyboardMarkup | None


def query_words(text: str) -> list[str]:
    return [word for word in normalise(text[:MAX_QUERY_CHARS]).split() if word][:8]


def query_digest(text: str) -> str:
    return hashlib.sha1(normalise(text).encode()).hexdigest()[:8]


def is_valid_state(state: ListState) -> bool:
    return (
        state.src in ("n", "s", "f")
        and 0 <= state.page < MAX_PAGE
        and state.cat in CATEGORY_FILTERS
        and state.st in STATUS_FILTERS
    )


def origin_of(user: User) -> tuple[float, float] | None:
    if user.lat is None or user.lon is None:
        return None
    return (user.lat, user.lon)


async def render_list(
    session: AsyncSession,
    user: User,
    state: ListState,
    *,
    settings: Settings,
    gazetteer: Gazetteer,
    read_models: ReadModels,
    now: datetime,
) -> Rendered | None:
    """The page the state points at, or None when it can no longer be shown (stale search)."""
    if state.src == "n":
        return render_nearby(
            user, state, settings=settings, gazetteer=gazetteer, read_models=read_models, now=now
        )
    size = settings.page_size
    category = None if state.cat == "*" else state.cat
    statuses = STATUS_FILTERS[state.st]
    if state.src == "s":
        if not user.last_query or query_digest(user.last_query) != state.q:
            return None
        page = await campaigns.search(
            session,
            words=query_words(user.last_query),
            now=now,
            statuses=statuses,
            category=category,
            origin=origin_of(user),
            offset=state.page * size,
            limit=size,
        )
        items, has_next = page.items, page.has_next
        header = _("search.header").format(query=escape(user.last_query))
    else:
        followed = await campaigns.followed(
            session, user_id=user.id, now=now, origin=origin_of(user)
        )
        start = state.page * size
        items, has_next = followed[start : start + size], len(followed) > start + size
        header = _("following.header").format(count=len(followed))
    return finish_page(state, user, header, items, has_next, settings, gazetteer, now)


def render_nearby(
    user: User,
    state: ListState,
    *,
    settings: Settings,
    gazetteer: Gazetteer,
    read_models: ReadModels,
    now: datetime,
) -> Rendered | None:
    """A page of /nearby, from the campaign index; the same page for the same point, settings,
    language and day is rendered once, as long as nothing on it changes."""
    origin = origin_of(user)
    if origin is None:
        return None
    index, size = read_models.campaigns, settings.page_size
    today = clock.local_date(now, settings.timezone)
    key = (state, origin, user.radius_km, user.commune_insee, locale(), today, size)
    now_ts = now.timestamp()
    cached = read_models.pages.get(key, index.version, now_ts)
    if cached is not None:
        text, ids, has_next = cached
        if not ids:
            return empty_page(state, user)
        return Rendered(text.decode(), page_keyboard_of(state, ids, has_next, size))
    page, until = index.nearby_until(
        lat=origin[0],
        lon=origin[1],
        radius_km=user.radius_km,
        now=now,
        statuses=STATUS_FILTERS[state.st],
        category=None if state.cat == "*" else state.cat,
        offset=state.page * size,
        limit=size,
    )
    header = _("nearby.header").format(
        radius=user.radius_km, place=escape(commune_name(gazetteer, user.commune_insee))
    )
    rendered = finish_page(state, user, header, page.items, page.has_next, settings, gazetteer, now)
    # The text as UTF-8 (a third of the memory of text with emoji); the keyboard by its ids.
    ids = tuple(item.id for item in page.items)
    value = (rendered.text.encode(), ids, page.has_next)
    read_models.pages.put(key, index.version, now_ts, until, value)
    return rendered


def finish_page(
    state: ListState,
    user: User,
    header: str,
    items: list[ListItem],
    has_next: bool,
    settings: Settings,
    gazetteer: Gazetteer,
    now: datetime,
) -> Rendered:
    if not items:
        return empty_page(state, user)
    header += "\n" + _("list.page").format(page=state.page + 1)
    text = page_text(header, items, state, settings.page_size, gazetteer, now, settings.timezone)
    return Rendered(text, page_keyboard(state, items, has_next, settings.page_size))


def empty_page(state: ListState, user: User) -> Rendered:
    """Nothing to show: say so, and offer what could widen the result."""
    if state.page > 0:
        return Rendered(
            _("list.no_more"),
            InlineKeyboardMarkup(
                inline_keyboard=[
                    [
                        InlineKeyboardButton(
                            text=_("list.first_page"), callback_data=state.view(page=0).pack()
                        )
                    ]
                ]
            ),
        )
    if state.src == "f":
        return Rendered(_("following.empty"), None)
    rows = []
    if state.cat != "*" or state.st != "lu":
        rows.append(
            [
                InlineKeyboardButton(
                    text=_("list.clear_filters"),
                    callback_data=state.view(page=0, cat="*", st="lu").pack(),
                )
            ]
        )
    if state.src == "n":
        wider = wider_radius(user.radius_km)
        text = _("nearby.empty").format(radius=user.radius_km)
        if wider is not None:
            rows.append(
                [
                    InlineKeyboardButton(
                        text=_("nearby.widen").format(radius=wider),
                        callback_data=RadiusPick(km=wider).pack(),
                    )
                ]
            )
    else:
        text = _("search.empty").format(query=escape(user.last_query or ""))
    return Rendered(text, InlineKeyboardMarkup(inline_keyboard=rows) if rows else None)
