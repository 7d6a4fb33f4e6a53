"""A holder edits the campaign: description, photo, link (rewards: handlers.holder.rewards).

Every button carries the campaign id and is checked again (storage.repo.holders.may_manage);
a typed value is saved only after the campaign is checked once more."""

from html import escape

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.gazetteer import Gazetteer, normalise
from bot.filters import Inline
from bot.settings import Settings
from bot.ui import holder_forms
from bot.ui.callbacks import CampaignEdit, HolderMenu
from bot.ui.cards import DESCRIPTION_LIMIT
from bot.ui.holder_input import web_url
from handlers.compose import drop
from handlers.holder import rewards
from handlers.holder.guard import managed, menu_press, refuse
from storage.models import Campaign, User


class EditForm(StatesGroup):
    description = State()
    photo = State()
    link = State()


def search_text(campaign: Campaign, gazetteer: Gazetteer) -> str:
    """What /search matches, as an import builds it (bot.imports.rows)."""
    commune = gazetteer.by_insee(campaign.commune_insee) if campaign.commune_insee else None
    words = (campaign.title, campaign.holder, commune.name if commune else "", campaign.description)
    return normalise(" ".join(words))


def menu_text(campaign: Campaign) -> str:
    return _("holder.edit.menu").format(title=escape(campaign.title))


async def on_menu_edit(
    query: CallbackQuery,
    callback_data: HolderMenu,
    session: AsyncSession,
    user: User,
    settings: Settings,
    state: FSMContext,
) -> None:
    """Holder taps "Edit" in /myprojects → bot shows what can be changed (forged: refused)."""
    pressed = await menu_press(query, callback_data.id, session, user, settings)
    if pressed is not None:
        message, campaign = pressed
        await state.clear()
        await message.answer(menu_text(campaign), reply_markup=_menu(campaign))


async def on_edit(
    query: CallbackQuery,
    callback_data: CampaignEdit,
    session: AsyncSession,
    user: User,
    settings: Settings,
    state: FSMContext,
) -> None:
    """Holder picks a field → bot asks for its new value (or removes it, or lists rewards)."""
    campaign = await managed(session, user, settings, callback_data.id)
    if campaign is None or not isinstance(query.message, Message):
        await state.clear()
        await refuse(query)
        return
    await query.answer()
    what = callback_data.what
    if what in ("rewards", "addreward", "unlimited"):
        await rewards.on_campaign_pick(query.message, what, campaign, session, state)
        return
    text, markup = await _pick(what, campaign, state)
    await query.message.edit_text(text, reply_markup=markup)


async def _pick(
    what: str, campaign: Campaign, state: FSMContext
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The question (or the result) for the field picked, and its buttons."""
    await state.clear()
    back = holder_forms.edit_field(campaign.id)
    if what == "description":
        await _ask(state, EditForm.description, campaign)
        current = escape(campaign.description or "") or "—"
        return _("holder.edit.ask_description").format(
            limit=DESCRIPTION_LIMIT, current=current
        ), back
    if what == "photo":
        await _ask(state, EditForm.photo, campaign)
        remove = (_("holder.edit.remove_photo"), "nophoto") if campaign.photo_file_id else None
        return _("holder.edit.ask_photo"), holder_forms.edit_field(campaign.id, remove)
    if what == "link":
        await _ask(state, EditForm.link, campaign)
        remove = (_("holder.edit.remove_link"), "nolink") if campaign.url else None
        current = escape(campaign.url or "—")
        return _("holder.edit.ask_link").format(current=current), holder_forms.edit_field(
            campaign.id, remove
        )
    if what == "nophoto":
        campaign.photo_file_id = None
        return _("holder.edit.saved") + "\n\n" + menu_text(campaign), _menu(campaign)
    if what == "nolink":
        campaign.url = None
        return _("holder.edit.saved") + "\n\n" + menu_text(campaign), _menu(campaign)
    if what == "done":
        return _("holder.edit.finished"), None
    return menu_text(campaign), _menu(campaign)


def _menu(campaign: Campaign) -> InlineKeyboardMarkup:
    return holder_forms.edit_menu(campaign.id)


async def _ask(state: FSMContext, step: State, campaign: Campaign) -> None:
    await state.set_state(step)
    await state.set_data({"campaign": campaign.id})


async def _checked(
    message: Message, session: AsyncSession, user: User, settings: Settings, state: FSMContext
) -> Campaign | None:
    """The dialogue's campaign, checked once more before a value is saved."""
    campaign = await managed(session, user, settings, (await state.get_data()).get("campaign"))
    if campaign is None:
        await state.clear()
        await refuse(message)
    return campaign


async def _saved(message: Message, campaign: Campaign, state: FSMContext) -> None:
    await state.clear()
    await message.answer(
        _("holder.edit.saved") + "\n\n" + menu_text(campaign), reply_markup=_menu(campaign)
    )


async def on_description(
    message: Message,
    session: AsyncSession,
    user: User,
    settings: Settings,
    gazetteer: Gazetteer,
    state: FSMContext,
) -> None:
    """Holder sends the description → bot saves it; too long or empty: says the limit."""
    text = (message.text or "").strip()
    if not text or len(text) > DESCRIPTION_LIMIT:
        await message.answer(
            _("holder.edit.bad_description").format(length=len(text), limit=DESCRIPTION_LIMIT)
        )
        return
    campaign = await _checked(message, session, user, settings, state)
    if campaign is not None:
        campaign.description = text
        campaign.search_text = search_text(campaign, gazetteer)
        await _saved(message, campaign, state)


async def on_photo(
    message: Message, session: AsyncSession, user: User, settings: Settings, state: FSMContext
) -> None:
    """Holder sends the campaign's photo → bot keeps its largest size's file_id."""
    if not message.photo:
        await message.answer(_("holder.edit.need_photo"))
        return
    campaign = await _checked(message, session, user, settings, state)
    if campaign is not None:
        campaign.photo_file_id = message.photo[-1].file_id
        await _saved(message, campaign, state)


async def on_link(
    message: Message, session: AsyncSession, user: User, settings: Settings, state: FSMContext
) -> None:
    """Holder sends the campaign's page address → bot saves it; not a web link: says so."""
    url = web_url(message.text or "")
    if url is None:
        await message.answer(_("holder.form.bad_url"))
        return
    campaign = await _checked(message, session, user, settings, state)
    if campaign is not None:
        campaign.url = url
        await _saved(message, campaign, state)


async def on_cancel(message: Message, state: FSMContext) -> None:
    """Holder sends /cancel while editing (a field or a reward) → nothing changed."""
    await drop(message, state, _("holder.form.cancelled"))


def create_router() -> Router:
    router = Router(name="holder-edit")
    router.callback_query.register(on_menu_edit, HolderMenu.filter(F.action == "edit"))
    router.callback_query.register(on_edit, CampaignEdit.filter())
    editing = StateFilter(EditForm, rewards.RewardForm)
    router.message.register(on_cancel, editing, Command("cancel"))
    typed = Inline(~F.text.startswith("/"))
    router.message.register(on_description, StateFilter(EditForm.description), typed)
    router.message.register(on_photo, StateFilter(EditForm.photo), typed)
    router.message.register(on_link, StateFilter(EditForm.link), typed)
    router.include_router(rewards.create_router())
    return router
