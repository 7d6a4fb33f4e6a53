"""Where the resident lives: a shared location or a commune/postcode, then a radius; and, once,
the question whether they want operations' announcements (consent first: nothing is sent to them
before a yes).

The question comes with the place, between "place saved" and the radius, in one tap that blocks
nothing: onboarding puts it to new residents; residents who came before it are asked when they
next set their place (/start) or open /settings. It is put once (storage.repo.audience.should_ask
reads `consent_at` as "asked at" until an answer is given: a `consent_asked_at` column would say
it better).
"""

from datetime import datetime
from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiogram.utils.i18n import gettext as _

from bot.domain.campaigns import RADII_KM
from bot.domain.clock import Clock
from bot.domain.gazetteer import Commune, Gazetteer
from bot.domain.geo import round_location
from bot.filters import Inline
from bot.ui.callbacks import PlacePick, RadiusPick
from bot.ui.consent import ConsentPick, consent_keyboard, consent_saved
from storage.models import User
from storage.repo import audience

MAX_PLACE_CHARS = 80


class Onboarding(StatesGroup):
    place = State()


def place_keyboard() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=_("place.share_button"), request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
        input_field_placeholder=_("place.placeholder"),
    )


async def ask_place(message: Message, state: FSMContext, intro: str | None = None) -> None:
    """Ask where the resident lives (after `intro`, in the same message, when given)."""
    await state.set_state(Onboarding.place)
    text = _("place.ask") if intro is None else f"{intro}\n\n{_('place.ask')}"
    await message.answer(text, reply_markup=place_keyboard())


def radius_keyboard(current: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=(f"• {km} km" if km == current else f"{km} km"),
                    callback_data=RadiusPick(km=km).pack(),
                )
                for km in RADII_KM
            ]
        ]
    )


def commune_label(commune: Commune, gazetteer: Gazetteer) -> str:
    return f"{commune.name} ({commune.department})"


def place_choices(communes: list[Commune], gazetteer: Gazetteer) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=commune_label(commune, gazetteer),
                    callback_data=PlacePick(insee=commune.insee).pack(),
                )
            ]
            for commune in communes
        ]
    )


async def save_place(
    message: Message,
    user: User,
    state: FSMContext,
    lat: float,
    lon: float,
    insee: str | None,
    place_name: str,
    now: datetime,
) -> None:
    user.lat, user.lon = round_location(lat, lon)
    user.commune_insee = insee
    ask = consent_due(user, now)  # written with the place: one transaction
    await state.clear()
    await message.answer(
        _("place.saved").format(place=escape(place_name)), reply_markup=ReplyKeyboardRemove()
    )
    if ask:
        await message.answer(_("consent.ask"), reply_markup=consent_keyboard())
    await message.answer(_("radius.ask"), reply_markup=radius_keyboard(user.radius_km))


def consent_due(user: User, now: datetime) -> bool:
    """The consent question is to be put to this resident now: never asked before (it is
    marked asked, so that it is put once)."""
    if not audience.should_ask(user):
        return False
    audience.mark_asked(user, now)
    return True


async def ask_consent(message: Message, user: User, now: datetime) -> None:
    """Put the consent question to a resident who was never asked (once: it is marked asked)."""
    if consent_due(user, now):
        await message.answer(_("consent.ask"), reply_markup=consent_keyboard())


async def on_consent(
    query: CallbackQuery, callback_data: ConsentPick, user: User, clock: Clock
) -> None:
    """Resident answers the consent question → bot keeps the answer and says how to change it."""
    if not isinstance(query.message, Message):
        await query.answer(_("stale"), show_alert=True)
        return
    audience.set_consent(user, callback_data.yes, clock())
    await query.answer(_("notify.saved"))
    await query.message.edit_text(consent_saved(callback_data.yes))


async def use_commune(
    message: Message, user: User, state: FSMContext, commune: Commune, now: datetime
) -> None:
    if commune.lat is None or commune.lon is None:
        await state.set_state(Onboarding.place)
        await message.answer(
            _("place.no_point").format(place=escape(commune.name)), reply_markup=place_keyboard()
        )
        return
    await save_place(
        message, user, state, commune.lat, commune.lon, commune.insee, commune.name, now
    )


async def on_location(
    message: Message, user: User, state: FSMContext, gazetteer: Gazetteer, clock: Clock
) -> None:
    """Resident shares a location → bot stores it rounded and asks for a radius (outside
    France: bot says so and stores nothing)."""
    assert message.location is not None
    lat, lon = message.location.latitude, message.location.longitude
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        await message.answer(_("place.bad_location"))
        return
    if not gazetteer.in_france(lat, lon):
        await state.set_state(Onboarding.place)
        await message.answer(_("place.outside_france"), reply_markup=place_keyboard())
        return
    commune = gazetteer.nearest(lat, lon)
    name = commune.name if commune else _("place.your_location")
    insee = commune.insee if commune else None
    await save_place(message, user, state, lat, lon, insee, name, clock())


async def on_place_text(
    message: Message, user: User, state: FSMContext, gazetteer: Gazetteer, clock: Clock
) -> None:
    """Resident types a commune or postcode → bot finds it, offers choices or suggestions."""
    text = (message.text or "").strip()
    if not text or len(text) > MAX_PLACE_CHARS:
        await message.answer(_("place.too_long"), reply_markup=place_keyboard())
        return
    result = gazetteer.search(text)
    if len(result.matches) == 1:
        await use_commune(message, user, state, result.matches[0], clock())
    elif result.matches:
        await message.answer(
            _("place.several").format(query=escape(text)),
            reply_markup=place_choices(result.matches, gazetteer),
        )
    elif result.suggestions:
        await message.answer(
            _("place.suggestions").format(query=escape(text)),
            reply_markup=place_choices(result.suggestions, gazetteer),
        )
    else:
        await message.answer(_("place.unknown").format(query=escape(text)))


async def on_place_pick(
    query: CallbackQuery,
    callback_data: PlacePick,
    user: User,
    state: FSMContext,
    gazetteer: Gazetteer,
    bot: Bot,
    clock: Clock,
) -> None:
    """Resident picks one of the offered communes → bot stores it and asks for a radius."""
    commune = gazetteer.by_insee(callback_data.insee)
    if commune is None or not isinstance(query.message, Message):
        await query.answer(_("stale"), show_alert=True)
        return
    await query.answer()
    await query.message.edit_reply_markup(reply_markup=None)
    await use_commune(query.message, user, state, commune, clock())


async def needs_place(
    message: Message, user: User | None = None, raw_state: str | None = None
) -> bool:
    """Plain text from a resident who has not said where they live yet is a place, unless a
    dialogue awaits it (a coordinator typing an operation's name has no place to give)."""
    text = message.text or ""
    return (
        user is not None
        and raw_state is None
        and not user.has_location
        and not text.startswith("/")
    )


def create_router() -> Router:
    router = Router(name="places")
    router.message.register(on_location, Inline(F.location))
    # A command is never a place, even while the bot awaits one.
    router.message.register(
        on_place_text, StateFilter(Onboarding.place), Inline(F.text & ~F.text.startswith("/"))
    )
    router.message.register(on_place_text, Inline(F.text), needs_place)
    router.callback_query.register(on_place_pick, PlacePick.filter())
    router.callback_query.register(on_consent, ConsentPick.filter())
    return router
