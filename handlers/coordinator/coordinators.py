"""Admins' /coordinators: the list, appointing by Telegram id, removing, and assigning a
coordinator to operations (or unassigning). Every press checks again that the user is an admin,
and that the person and the operation it names exist; a coordinator is only ever assigned once
appointed. Writing another user's row drops it from the user cache, so the role follows at once."""

import re
from html import escape

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.readmodels.sync import ReadModels
from bot.settings import Settings
from bot.ui.operations import CoordinatorMenu, FormStep, person
from handlers.coordinator.access import admin
from storage.models import Operation, User
from storage.repo import operations

ASSIGNABLE = 30  # operations offered on a coordinator's screen, the latest first
MAX_TELEGRAM_ID = 2**63 - 1
TELEGRAM_ID = re.compile(r"[0-9]{1,19}")
NAME_SHOWN = 50  # characters of an operation's name on a button


class CoordinatorIdForm(StatesGroup):
    user_id = State()


def _button(text: str, data: CoordinatorMenu | FormStep) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(text=text, callback_data=data.pack())]


async def list_screen(session: AsyncSession) -> tuple[str, InlineKeyboardMarkup]:
    ids = await operations.coordinators(session)
    every = {o.id: o.name for o in await operations.listed(session, 0, is_admin=True)}
    lines = []
    for user_id in ids:
        names = [every[i] for i in await operations.operations_of(session, user_id) if i in every]
        shown = ", ".join(escape(n) for n in names) or _("coordinators.no_operation")
        lines.append(_("coordinators.item").format(who=person(user_id), operations=shown))
    text = _("coordinators.text") + "\n\n" + ("\n".join(lines) or _("coordinators.none"))
    rows = [_button(str(u), CoordinatorMenu(action="show", user=u)) for u in ids]
    rows.append(_button(_("coordinators.add"), CoordinatorMenu(action="add")))
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


async def person_screen(session: AsyncSession, user_id: int) -> tuple[str, InlineKeyboardMarkup]:
    assigned = set(await operations.operations_of(session, user_id))
    every: list[Operation] = (await operations.listed(session, 0, is_admin=True))[:ASSIGNABLE]
    names = [escape(o.name) for o in every if o.id in assigned]
    text = _("coordinators.person").format(
        who=person(user_id), operations=", ".join(names) or _("coordinators.no_operation")
    )
    rows = []
    for operation in every:
        on = operation.id in assigned
        label = _("coordinators.unassign") if on else _("coordinators.assign")
        action = "unassign" if on else "assign"
        data = CoordinatorMenu(action=action, user=user_id, op=operation.id)
        rows.append(_button(label.format(name=operation.name[:NAME_SHOWN]), data))
    rows.append(_button(_("coordinators.remove"), CoordinatorMenu(action="remove", user=user_id)))
    rows.append(_button(_("coordinators.back"), CoordinatorMenu(action="list")))
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


async def cmd_coordinators(
    message: Message, session: AsyncSession, user: User, settings: Settings
) -> None:
    """Admin sends /coordinators → bot lists the coordinators and their operations."""
    if await admin(message, user, settings):
        text, keyboard = await list_screen(session)
        await message.answer(text, reply_markup=keyboard)


async def on_coordinator_menu(
    query: CallbackQuery,
    callback_data: CoordinatorMenu,
    session: AsyncSession,
    user: User,
    settings: Settings,
    state: FSMContext,
    read_models: ReadModels,
) -> None:
    """Admin taps a button of /coordinators (list, add, show, remove, remove_yes, assign,
    unassign) → bot does it and shows the screen it leads to."""
    if not await admin(query, user, settings):
        return
    message = query.message
    action, target = callback_data.action, callback_data.user
    if not isinstance(message, Message):
        await query.answer(_("stale"), show_alert=True)
        return
    if action == "list":
        await query.answer()
        await state.clear()
        text, keyboard = await list_screen(session)
        await message.edit_text(text, reply_markup=keyboard)
    elif action == "add":
        await query.answer()
        await state.set_state(CoordinatorIdForm.user_id)
        await message.answer(
            _("coordinators.ask_id"),
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[_button(_("operation.form.cancel"), FormStep(action="cancel"))]
            ),
        )
    elif target is None or target not in await operations.coordinators(session):
        await query.answer(_("coordinators.not_coordinator"), show_alert=True)
    else:
        await on_person(query, message, action, target, callback_data.op, session, read_models)


async def on_person(
    query: CallbackQuery,
    message: Message,
    action: str,
    target: int,
    operation_id: int,
    session: AsyncSession,
    read_models: ReadModels,
) -> None:
    """The actions on one appointed coordinator."""
    if action in ("assign", "unassign") and await operations.get(session, operation_id) is None:
        await query.answer(_("stale"), show_alert=True)
        return
    if action not in ("show", "remove", "remove_yes", "assign", "unassign"):
        await query.answer(_("stale"), show_alert=True)
        return
    await query.answer()
    if action == "remove":
        yes = CoordinatorMenu(action="remove_yes", user=target)
        no = CoordinatorMenu(action="show", user=target)
        keyboard = [_button(_("coordinators.remove_yes"), yes), _button(_("coordinators.back"), no)]
        text = _("coordinators.remove_confirm").format(who=person(target))
        await message.edit_text(text, reply_markup=InlineKeyboardMarkup(inline_keyboard=keyboard))
        return
    if action == "remove_yes":
        await operations.dismiss(session, target)
        read_models.users.forget([target])
        text, markup = await list_screen(session)
        done = _("coordinators.removed").format(who=person(target))
        await message.edit_text(done + "\n\n" + text, reply_markup=markup)
        return
    if action == "assign":
        await operations.assign(session, operation_id, target)
    elif action == "unassign":
        await operations.unassign(session, operation_id, target)
    text, markup = await person_screen(session, target)
    await message.edit_text(text, reply_markup=markup)


async def on_coordinator_id(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    read_models: ReadModels,
) -> None:
    """Admin types a Telegram id → that user is appointed (if the bot knows them)."""
    if not await admin(message, user, settings):
        await state.clear()
        return
    text = (message.text or "").strip()
    if not TELEGRAM_ID.fullmatch(text) or not 0 < int(text) <= MAX_TELEGRAM_ID:
        await message.answer(_("coordinators.bad_id"))
        return
    target = int(text)
    if not await operations.appoint(session, target):
        await message.answer(_("coordinators.unknown_user").format(id=target))
        return
    read_models.users.forget([target])
    await state.clear()
    screen, markup = await person_screen(session, target)
    done = _("coordinators.appointed").format(who=person(target))
    await message.answer(done + "\n\n" + screen, reply_markup=markup)
