"""/nearby, /search, /following and the buttons that turn and filter their pages."""

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.campaigns import RADII_KM
from bot.domain.clock import Clock
from bot.domain.gazetteer import Gazetteer
from bot.readmodels.sync import ReadModels
from bot.settings import Settings
from bot.ui.browse import Rendered, is_valid_state, query_digest, query_words, render_list
from bot.ui.callbacks import ListFilter, ListView, NearbyOpen, RadiusPick
from bot.ui.listing import ListState, filter_keyboard
from handlers.resident.places import ask_consent, ask_place
from storage.models import User


async def send_list(
    message: Message,
    session: AsyncSession,
    user: User,
    state: ListState,
    settings: Settings,
    gazetteer: Gazetteer,
    read_models: ReadModels,
    clock: Clock,
) -> None:
    rendered = await render_list(
        session,
        user,
        state,
        settings=settings,
        gazetteer=gazetteer,
        read_models=read_models,
        now=clock(),
    )
    if rendered is not None:
        await message.answer(rendered.text, reply_markup=rendered.markup)


async def edit_to(query: CallbackQuery, rendered: Rendered | None) -> None:
    """Replace the list message with another page, or say it is gone."""
    if rendered is None or not isinstance(query.message, Message):
        await query.answer(_("stale"), show_alert=True)
        return
    await query.answer()
    await query.message.edit_text(rendered.text, reply_markup=rendered.markup)


async def cmd_nearby(
    message: Message,
    session: AsyncSession,
    user: User,
    state: FSMContext,
    settings: Settings,
    gazetteer: Gazetteer,
    read_models: ReadModels,
    clock: Clock,
) -> None:
    """Resident sends /nearby → bot lists live and upcoming campaigns around them (and, after
    the list, asks a resident from before the consent question the one time it is put)."""
    if not user.has_location:
        await ask_place(message, state)
        return
    await send_list(message, session, user, ListState("n"), settings, gazetteer, read_models, clock)
    await ask_consent(message, user, clock())


async def cmd_search(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    user: User,
    settings: Settings,
    gazetteer: Gazetteer,
    read_models: ReadModels,
    clock: Clock,
) -> None:
    """Resident sends /search words → bot lists matching campaigns."""
    text = (command.args or "").strip()
    if not query_words(text):
        await message.answer(_("search.usage"))
        return
    user.last_query = text[:100]
    # A search names a project: ended ones are found too.
    state = ListState("s", st="a", q=query_digest(user.last_query))
    await send_list(message, session, user, state, settings, gazetteer, read_models, clock)


async def cmd_following(
    message: Message,
    session: AsyncSession,
    user: User,
    settings: Settings,
    gazetteer: Gazetteer,
    read_models: ReadModels,
    clock: Clock,
) -> None:
    """Resident sends /following → bot lists followed campaigns, soonest deadline first."""
    await send_list(message, session, user, ListState("f"), settings, gazetteer, read_models, clock)


async def on_list_view(
    query: CallbackQuery,
    callback_data: ListView,
    session: AsyncSession,
    user: User,
    settings: Settings,
    gazetteer: Gazetteer,
    read_models: ReadModels,
    clock: Clock,
) -> None:
    """Resident turns a page or picks a filter → bot edits the list in place."""
    state = ListState.of(callback_data)
    rendered = None
    if is_valid_state(state):
        rendered = await render_list(
            session,
            user,
            state,
            settings=settings,
            gazetteer=gazetteer,
            read_models=read_models,
            now=clock(),
        )
    await edit_to(query, rendered)


async def on_open_nearby(
    query: CallbackQuery,
    session: AsyncSession,
    user: User,
    state: FSMContext,
    settings: Settings,
    gazetteer: Gazetteer,
    read_models: ReadModels,
    clock: Clock,
) -> None:
    """Resident taps the launch reminder's button → bot sends their nearby list below it, as
    /nearby does (asks for their place if it has none); the reminder stays as it was."""
    if not isinstance(query.message, Message):
        await query.answer(_("stale"), show_alert=True)
        return
    await query.answer()
    if not user.has_location:
        await ask_place(query.message, state)
        return
    state_n = ListState("n")
    await send_list(query.message, session, user, state_n, settings, gazetteer, read_models, clock)


async def on_list_filter(query: CallbackQuery, callback_data: ListFilter) -> None:
    """Resident taps a filter → bot shows its choices in place of the list's buttons."""
    state = ListState.of(callback_data, page=0)
    if callback_data.what not in ("c", "s") or not is_valid_state(state):
        await query.answer(_("stale"), show_alert=True)
        return
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(
            reply_markup=filter_keyboard(state, callback_data.what)
        )


async def on_radius(
    query: CallbackQuery,
    callback_data: RadiusPick,
    session: AsyncSession,
    user: User,
    settings: Settings,
    gazetteer: Gazetteer,
    read_models: ReadModels,
    clock: Clock,
) -> None:
    """Resident picks a radius → bot stores it and turns the question into the list of the
    campaigns within it (one message, not two)."""
    if callback_data.km not in RADII_KM or not isinstance(query.message, Message):
        await query.answer(_("stale"), show_alert=True)
        return
    user.radius_km = callback_data.km
    saved = _("radius.saved").format(radius=user.radius_km)
    await query.answer(saved)
    rendered = None
    if user.has_location:
        rendered = await render_list(
            session,
            user,
            ListState("n"),
            settings=settings,
            gazetteer=gazetteer,
            read_models=read_models,
            now=clock(),
        )
    if rendered is None:
        await query.message.edit_text(saved)
        return
    await query.message.edit_text(rendered.text, reply_markup=rendered.markup)


def create_router() -> Router:
    router = Router(name="lists")
    router.message.register(cmd_nearby, Command("nearby"))
    router.message.register(cmd_search, Command("search"))
    router.message.register(cmd_following, Command("following"))
    router.callback_query.register(on_list_view, ListView.filter())
    router.callback_query.register(on_open_nearby, NearbyOpen.filter())
    router.callback_query.register(on_list_filter, ListFilter.filter())
    router.callback_query.register(on_radius, RadiusPick.filter())
    return router
