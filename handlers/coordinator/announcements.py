"""/announce: an operation's announcements as its coordinators see them: how many residents they
reach, the scheduled ones (edit, cancel), the automatic reminders (each can be turned off); and
the composer (handlers.coordinator.announce_form).

Every press is checked on the operation the database says it touches (may_coordinate, through
handlers.coordinator.access.coordinated), whatever the button said."""

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.announcements import reach
from bot.domain import reminders
from bot.domain.clock import Clock
from bot.domain.gazetteer import Gazetteer
from bot.domain.territory import describe
from bot.settings import Settings
from bot.ui.announcements import (
    AnnounceItem,
    AnnounceMenu,
    AnnounceStep,
    ReminderToggle,
    Screen,
    Waiting,
    cancel_keyboard,
    pick_keyboard,
    reminder_lines,
    screen_keyboard,
    screen_text,
    when,
)
from handlers.coordinator import announce_form, announce_send
from handlers.coordinator.access import areas, coordinated
from storage.models import Operation, User
from storage.repo import announcements, operations


async def screen(
    session: AsyncSession,
    operation: Operation,
    settings: Settings,
    gazetteer: Gazetteer,
    clock: Clock,
) -> tuple[str, InlineKeyboardMarkup]:
    """The operation's announcements screen and its buttons."""
    tz = settings.timezone
    keys = {r.key(operation.id): r.which for r in reminders.schedule(operation, tz)}
    sent = await announcements.sent_reminders(session, keys)
    view = Screen(
        operation_id=operation.id,
        name=operation.name,
        territory=describe(await areas(session, operation.id), gazetteer),
        reach=await reach(session, operation.id, gazetteer),
        waiting=[
            Waiting(b.id, b.send_at or clock(), b.text)
            for b in await announcements.waiting(session, operation.id)
        ],
        reminders=reminder_lines(
            operation, tz, clock(), {keys[key]: b.recipients for key, b in sent.items()}
        ),
    )
    return screen_text(view, tz), screen_keyboard(view, tz)


async def cmd_announce(
    message: Message,
    session: AsyncSession,
    user: User,
    settings: Settings,
    gazetteer: Gazetteer,
    clock: Clock,
) -> None:
    """Coordinator sends /announce → bot shows their operation's announcements (several: which
    operation first)."""
    listed = await operations.listed(session, user.id, user.id in settings.admin_ids)
    if not listed:
        await message.answer(_("announce.no_operation"))
    elif len(listed) == 1:
        text, markup = await screen(session, listed[0], settings, gazetteer, clock)
        await message.answer(text, reply_markup=markup)
    else:
        choices = [(o.id, o.name) for o in listed]
        await message.answer(_("announce.pick"), reply_markup=pick_keyboard(choices))


async def show(
    query: CallbackQuery,
    operation: Operation,
    session: AsyncSession,
    settings: Settings,
    gazetteer: Gazetteer,
    clock: Clock,
) -> None:
    """Replace the pressed message with the operation's announcements screen."""
    if isinstance(query.message, Message):
        text, markup = await screen(session, operation, settings, gazetteer, clock)
        await query.message.edit_text(text, reply_markup=markup)


async def on_menu(
    query: CallbackQuery,
    callback_data: AnnounceMenu,
    session: AsyncSession,
    user: User,
    settings: Settings,
    gazetteer: Gazetteer,
    clock: Clock,
    state: FSMContext,
) -> None:
    """Coordinator taps an operation's Announcements, or New announcement (forged: refused)."""
    operation = await coordinated(query, callback_data.id, session, user, settings)
    if operation is None:
        return
    await query.answer()
    if callback_data.action == "new" and isinstance(query.message, Message):
        await announce_form.start(query.message, operation, state)
    else:
        await show(query, operation, session, settings, gazetteer, clock)


async def on_reminder(
    query: CallbackQuery,
    callback_data: ReminderToggle,
    session: AsyncSession,
    user: User,
    settings: Settings,
    gazetteer: Gazetteer,
    clock: Clock,
) -> None:
    """Coordinator turns an automatic reminder on or off → stored, the screen redrawn."""
    flag = reminders.FLAGS.get(callback_data.which)
    if flag is None:
        await query.answer(_("stale"), show_alert=True)
        return
    operation = await coordinated(query, callback_data.id, session, user, settings)
    if operation is None:
        return
    setattr(operation, flag, callback_data.on)
    await query.answer(_("announce.reminder.saved"))
    await show(query, operation, session, settings, gazetteer, clock)


async def on_item(
    query: CallbackQuery,
    callback_data: AnnounceItem,
    session: AsyncSession,
    user: User,
    settings: Settings,
    gazetteer: Gazetteer,
    clock: Clock,
    state: FSMContext,
    i18n: I18n,
) -> None:
    """Coordinator taps Edit or Cancel on a scheduled announcement (then confirms a cancel)."""
    broadcast = await announcements.get(session, callback_data.id)
    if broadcast is None or broadcast.operation_id is None:
        await query.answer(_("stale"), show_alert=True)
        return
    operation = await coordinated(query, broadcast.operation_id, session, user, settings)
    if operation is None or not isinstance(query.message, Message):
        return
    if broadcast.queued_at is not None or broadcast.cancelled_at is not None:
        await query.answer(_("announce.too_late"), show_alert=True)
        await show(query, operation, session, settings, gazetteer, clock)
        return
    at = when(broadcast.send_at or clock(), settings.timezone)
    if callback_data.action == "edit":
        await query.answer()
        await announce_form.edit_scheduled(
            query.message, operation, broadcast, state, session, i18n, settings, gazetteer
        )
    elif callback_data.action == "cancel":
        await query.answer()
        await query.message.edit_text(
            _("announce.cancel_confirm").format(when=at),
            reply_markup=cancel_keyboard(broadcast.id, operation.id),
        )
    elif callback_data.action == "cancel_yes":
        await announcements.cancel(session, broadcast.id, clock())
        await query.answer(_("announce.cancelled_item").format(when=at))
        await show(query, operation, session, settings, gazetteer, clock)
    else:
        await query.answer(_("stale"), show_alert=True)


def create_router() -> Router:
    router = Router(name="coordinator-announcements")
    router.message.register(cmd_announce, Command("announce"))
    router.callback_query.register(on_menu, AnnounceMenu.filter(F.action.in_({"list", "new"})))
    router.callback_query.register(on_reminder, ReminderToggle.filter())
    router.callback_query.register(on_item, AnnounceItem.filter())
    form = StateFilter(announce_form.AnnounceForm)
    router.message.register(announce_form.on_cancel, form, Command("cancel"))
    router.callback_query.register(
        announce_form.on_cancel, form, AnnounceStep.filter(F.action == "cancel")
    )
    router.include_routers(announce_form.create_router(), announce_send.create_router())
    return router
