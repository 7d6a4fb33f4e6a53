"""/settings: language, location, radius and notifications (announcements of operations are a
consent: their switch keeps the answer, storage.repo.audience.set_consent)."""

from html import escape

from aiogram import Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.domain.clock import Clock
from bot.domain.gazetteer import Gazetteer
from bot.settings import LOCALES
from bot.ui.callbacks import DigestPick, LanguagePick, NotifyToggle, SettingsMenu
from bot.ui.listing import commune_name
from handlers.resident.places import ask_consent, ask_place, radius_keyboard
from storage.models import User
from storage.repo import audience

MENU = ("language", "place", "radius", "notifications")
# Switches of the notifications screen and the User column each one sets.
SWITCHES = {
    "deadlines": "notify_deadlines",
    "milestones": "notify_milestones",
    "launches": "notify_launches",
    "news": "notify_news",
    "announcements": "announcements_consent",  # None (never answered) shows as off
    "new_nearby": "notify_new_nearby",
    "quiet": "quiet_hours",
}
CONSENT = "announcements"
DIGEST_HOURS = (7, 8, 9, 12, 18, 19, 20)
NO_DIGEST = -1


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
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_(f"settings.{item}"), callback_data=SettingsMenu(item=item).pack()
                )
            ]
            for item in MENU
        ]
    )


def clock(minutes: int) -> str:
    return f"{minutes // 60 % 24:02d}:{minutes % 60:02d}"


def digest_value(user: User) -> str:
    if user.digest_hour is None:
        return _("notify.digest.off_text")
    return _("notify.digest.on_text").format(hour=clock(user.digest_hour * 60))


def notifications_text(user: User) -> str:
    start, end = clock(user.quiet_start), clock(user.quiet_end)
    quiet = (
        _("notify.quiet.on_text").format(start=start, end=end)
        if user.quiet_hours
        else _("notify.quiet.off_text")
    )
    return _("notify.text").format(quiet=quiet, digest=digest_value(user))


def _button(text: str, data: CallbackData) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(text=text, callback_data=data.pack())]


def notifications_keyboard(user: User) -> InlineKeyboardMarkup:
    start, end = clock(user.quiet_start), clock(user.quiet_end)
    rows = []
    for what, column in SWITCHES.items():
        on = bool(getattr(user, column))
        label = _(f"notify.kind.{what}").format(start=start, end=end)
        text = (_("notify.toggle.on") if on else _("notify.toggle.off")).format(label=label)
        rows.append(_button(text, NotifyToggle(what=what, on=not on)))
    digest = _("notify.digest.button").format(digest=digest_value(user))
    rows.append(_button(digest, SettingsMenu(item="digest")))
    rows.append(_button(_("notify.back"), SettingsMenu(item="main")))
    return InlineKeyboardMarkup(inline_keyboard=rows)


def digest_keyboard() -> InlineKeyboardMarkup:
    hours = [
        InlineKeyboardButton(text=clock(hour * 60), callback_data=DigestPick(hour=hour).pack())
        for hour in DIGEST_HOURS
    ]
    return InlineKeyboardMarkup(
        inline_keyboard=[
            hours[:4],
            hours[4:],
            _button(_("notify.digest.none"), DigestPick(hour=NO_DIGEST)),
            _button(_("notify.back"), SettingsMenu(item="notifications")),
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


async def cmd_settings(message: Message, user: User, gazetteer: Gazetteer, clock: Clock) -> None:
    """User sends /settings → bot shows the current settings with buttons to change them (and a
    resident who came before the consent question is asked it, once, below them)."""
    await message.answer(settings_text(user, gazetteer), reply_markup=settings_keyboard())
    if user.has_location:
        await ask_consent(message, user, clock())


async def on_settings_item(
    query: CallbackQuery,
    callback_data: SettingsMenu,
    user: User,
    state: FSMContext,
    i18n: I18n,
    gazetteer: Gazetteer,
) -> None:
    """User taps a setting → bot offers its choices (or goes back to the settings)."""
    item = callback_data.item
    if not isinstance(query.message, Message) or item not in (*MENU, "digest", "main"):
        await query.answer(_("stale"), show_alert=True)
        return
    await query.answer()
    message = query.message
    if item == "language":
        await message.edit_text(_("language.ask"), reply_markup=language_keyboard(i18n))
    elif item == "radius":
        await message.edit_text(_("radius.ask"), reply_markup=radius_keyboard(user.radius_km))
    elif item == "notifications":
        await message.edit_text(notifications_text(user), reply_markup=notifications_keyboard(user))
    elif item == "digest":
        await message.edit_text(_("notify.digest.ask"), reply_markup=digest_keyboard())
    elif item == "main":
        await message.edit_text(settings_text(user, gazetteer), reply_markup=settings_keyboard())
    else:
        await ask_place(message, state)


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


async def on_notify_toggle(
    query: CallbackQuery, callback_data: NotifyToggle, user: User, clock: Clock
) -> None:
    """User taps a notification switch → bot stores it and redraws the screen in place."""
    column = SWITCHES.get(callback_data.what)
    if column is None or not isinstance(query.message, Message):
        await query.answer(_("stale"), show_alert=True)
        return
    await query.answer(_("notify.saved"))
    if bool(getattr(user, column)) == callback_data.on:
        return  # an older copy of the screen: already so (Telegram refuses an unchanged edit)
    if callback_data.what == CONSENT:
        audience.set_consent(user, callback_data.on, clock())
    else:
        setattr(user, column, callback_data.on)
    await query.message.edit_text(
        notifications_text(user), reply_markup=notifications_keyboard(user)
    )


async def on_digest(query: CallbackQuery, callback_data: DigestPick, user: User) -> None:
    """User picks a digest hour (or none) → bot stores it and shows the notifications screen."""
    hour = callback_data.hour
    if (hour != NO_DIGEST and hour not in DIGEST_HOURS) or not isinstance(query.message, Message):
        await query.answer(_("stale"), show_alert=True)
        return
    user.digest_hour = None if hour == NO_DIGEST else hour
    await query.answer(_("notify.saved"))
    await query.message.edit_text(
        notifications_text(user), reply_markup=notifications_keyboard(user)
    )


def create_router() -> Router:
    router = Router(name="settings")
    router.message.register(cmd_settings, Command("settings"))
    router.callback_query.register(on_settings_item, SettingsMenu.filter())
    router.callback_query.register(on_language, LanguagePick.filter())
    router.callback_query.register(on_notify_toggle, NotifyToggle.filter())
    router.callback_query.register(on_digest, DigestPick.filter())
    return router
