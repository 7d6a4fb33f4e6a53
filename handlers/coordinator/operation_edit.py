"""A coordinator edits one field of an operation they coordinate (an admin: any operation): the
field's menu, its new value typed (a territory shown back in names to confirm, dates kept in
order with the others), saved, and the card shown again.

The operation's id is kept in the FSM data and checked again when the value is saved: a
coordinator unassigned meanwhile changes nothing."""

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import operations as fields
from bot.domain.gazetteer import Gazetteer
from bot.settings import Settings
from bot.ui.operations import (
    OperationEdit,
    form_keyboard,
    problems_text,
    prompt,
    territory_check,
)
from handlers.coordinator import drafts
from handlers.coordinator.access import areas, coordinated, render_card
from storage.models import Operation, User
from storage.repo import operations

PENDING = "pending"


class OperationEditForm(StatesGroup):
    value = State()


def current(operation: Operation, name: str) -> str | None:
    """A stored field as a draft keeps it (for `drafts.shown`)."""
    if name in fields.DATES:
        value = getattr(operation, fields.COLUMNS[name])
        return value.isoformat() if value is not None else None
    if name == fields.TERRITORY:
        return None  # read from its own table (areas)
    return getattr(operation, name) or None


async def on_edit_field(
    query: CallbackQuery,
    callback_data: OperationEdit,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    gazetteer: Gazetteer,
) -> None:
    """Coordinator taps a field in the edit menu → bot asks its new value, showing the current."""
    name = callback_data.field
    operation = await coordinated(query, callback_data.id, session, user, settings)
    if operation is None:
        return
    if name not in fields.FIELDS or not isinstance(query.message, Message):
        await query.answer(_("stale"), show_alert=True)
        return
    await query.answer()
    draft: drafts.Draft = {name: current(operation, name)}
    if name == fields.TERRITORY:
        draft[name] = drafts.stored_areas(tuple(await areas(session, operation.id)))
    await state.set_state(OperationEditForm.value)
    await state.set_data({"operation": operation.id, "field": name, PENDING: None})
    shown = drafts.shown(draft, name, gazetteer, settings.timezone)
    keyboard = form_keyboard(back=False, skip=name in fields.OPTIONAL)
    await query.message.answer(prompt(name, shown), reply_markup=keyboard)


async def on_edit_text(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    gazetteer: Gazetteer,
) -> None:
    """Coordinator types the new value → bot checks it and saves it (a territory: after a Yes)."""
    data = await state.get_data()
    name = data.get("field", "")
    operation = await coordinated(message, int(data.get("operation", 0)), session, user, settings)
    if operation is None:
        await state.clear()
        return
    others = {d: getattr(operation, fields.COLUMNS[d]) for d in fields.DATES if d != name}
    value, problems = drafts.read_value(
        name, message.text or "", gazetteer, settings.timezone, others
    )
    if problems:
        keyboard = form_keyboard(back=False, skip=name in fields.OPTIONAL)
        await message.answer(problems_text(problems), reply_markup=keyboard)
        return
    if name == fields.TERRITORY:
        await state.update_data(**{PENDING: value})
        pending = drafts.areas_of({PENDING: value}, PENDING)
        await message.answer(
            territory_check(pending, gazetteer), reply_markup=form_keyboard(ok=True, back=False)
        )
        return
    await save(message, state, operation, name, value, session, user, settings, gazetteer)


async def save(
    message: Message,
    state: FSMContext,
    operation: Operation,
    name: str,
    value: object,
    session: AsyncSession,
    user: User,
    settings: Settings,
    gazetteer: Gazetteer,
) -> None:
    """Write the checked value, end the dialogue, show the card."""
    if name == fields.TERRITORY and isinstance(value, list):
        await operations.set_areas(session, operation.id, [(level, code) for level, code in value])
    elif name in fields.DATES and isinstance(value, str):
        setattr(operation, fields.COLUMNS[name], drafts.date_of({name: value}, name))
    elif name in (fields.LINK, fields.SYNC_SOURCE):
        setattr(operation, name, str(value) or None)
    else:
        setattr(operation, name, str(value))
    await session.flush()
    await state.clear()
    text, keyboard = await render_card(session, operation, gazetteer, settings, user)
    await message.answer(_("operation.edit.saved") + "\n\n" + text, reply_markup=keyboard)


async def on_edit_step(
    query: CallbackQuery,
    action: str,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    gazetteer: Gazetteer,
) -> None:
    """Coordinator taps Cancel, Skip (a link or description removed) or Yes (a territory)."""
    data = await state.get_data()
    name = data.get("field", "")
    if not isinstance(query.message, Message):
        await query.answer(_("stale"), show_alert=True)
        return
    if action == "cancel":
        await query.answer()
        await state.clear()
        await query.message.edit_reply_markup(reply_markup=None)
        await query.message.answer(_("operation.edit.cancelled"))
        return
    operation = await coordinated(query, int(data.get("operation", 0)), session, user, settings)
    if operation is None:
        await state.clear()
        return
    if action == "skip" and name in fields.OPTIONAL:
        value: object = ""
    elif action == "ok" and name == fields.TERRITORY and data.get(PENDING):
        value = data[PENDING]
    else:
        await query.answer(_("stale"), show_alert=True)
        return
    await query.answer()
    await query.message.edit_reply_markup(reply_markup=None)
    await save(query.message, state, operation, name, value, session, user, settings, gazetteer)
