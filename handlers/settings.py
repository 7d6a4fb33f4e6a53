"""/settings: language, location and radius."""

from html import escape

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.callbacks import LanguagePick, SettingsMenu
from bot.gazetteer import Gazetteer
from bot.listing import commune_name
from bot.settings import LOCALES
from handlers.resident.places import ask_place, radius_keyboard
from storage.models import User


def settings_text(user: User, gazetteer: Gazetteer) -> str:
    place = (
        escape(commune_name(gazetteer, user.commune_insee))
        if user.has_location
        else _("settings.no_place")
    )
    return _("settings.text").format(
        language=_("language.name"), place=place, radius=user.radius_km
    )


def settings_keyboard() -> InlineKeyboardMarkup:
    items = ("language", "place", "radius")
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_(f"settings.{item}"), callback_data=SettingsMenu(item=item).pack()
                )
            ]
            for item in items
        ]
    )


def language_keyboard(i18n: I18n) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=i18n.gettext("language.name", locale=code),
                    callback_data=LanguagePick(code=code).pack(),
                )
                for code in LOCALES
            ]
        ]
    )


async def cmd_settings(message: Message, user: User, gazetteer: Gazetteer) -> None:
    """User sends /settings → bot shows the current settings with buttons to change them."""
    await message.answer(settings_text(user, gazetteer), reply_markup=settings_keyboard())


async def on_settings_item(
    query: CallbackQuery,
    callback_data: SettingsMenu,
    user: User,
    state: FSMContext,
    i18n: I18n,
) -> None:
    """User taps a setting → bot offers its choices."""
    if not isinstance(query.message, Message) or callback_data.item not in (
        "language",
        "place",
        "radius",
    ):
        await query.answer(_("stale"), show_alert=True)
        return
    await query.answer()
    if callback_data.item == "language":
        await query.message.edit_text(_("language.ask"), reply_markup=language_keyboard(i18n))
    elif callback_data.item == "radius":
        await query.message.edit_text(_("radius.ask"), reply_markup=radius_keyboard(user.radius_km))
    else:
        await ask_place(query.message, state)


async def on_language(
    query: CallbackQuery,
    callback_data: LanguagePick,
    user: User,
    i18n: I18n,
    gazetteer: Gazetteer,
) -> None:
    """User picks a language → bot stores it and answers in it from now on."""
    if callback_data.code not in LOCALES or not isinstance(query.message, Message):
        await query.answer(_("stale"), show_alert=True)
        return
    user.locale = callback_data.code
    with i18n.use_locale(callback_data.code):
        await query.answer(_("language.saved"))
        await query.message.edit_text(
            settings_text(user, gazetteer), reply_markup=settings_keyboard()
        )


def create_router() -> Router:
    router = Router(name="settings")
    router.message.register(cmd_settings, Command("settings"))
    router.callback_query.register(on_settings_item, SettingsMenu.filter())
    router.callback_query.register(on_language, LanguagePick.filter())
    return router
