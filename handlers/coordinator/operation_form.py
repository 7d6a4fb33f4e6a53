"""An admin creates an operation in a guided dialogue: name, territory (shown back in names to
confirm), the call's and the campaigns' dates, platform, link, description, the platform sync's
source (optional), then a summary.

Each step has Back (to the step before, whose value is kept: Keep leaves it) and Cancel, and
/cancel ends the dialogue anywhere. The draft lives in the FSM data (server-side); Create checks
again that the user is an admin and that the draft is complete and in order."""

from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import operations as fields
from bot.domain.gazetteer import Gazetteer
from bot.settings import Settings
from bot.ui.operations import (
    card_text,
    form_keyboard,
    problems_text,
    prompt,
    summary_keyboard,
    territory_check,
)
from handlers.coordinator import drafts
from handlers.coordinator.access import admin, render_card
from storage.models import User
from storage.repo import operations

PENDING = "pending"  # a typed territory waiting for its confirmation


class OperationForm(StatesGroup):
    name = State()
    territory = State()
    call_opens = State()
    call_closes = State()
    launch = State()
    ends = State()
    platform = State()
    link = State()
    description = State()
    sync_source = State()
    summary = State()


STEPS = fields.FIELDS
STATES = {name: getattr(OperationForm, name) for name in STEPS}


def step_of(raw_state: str | None) -> str | None:
    """The field a state asks for ("summary" at the end), None outside the dialogue."""
    for state in OperationForm.__all_states__:
        if state.state is not None and state.state == raw_state:
            return state.state.rsplit(":", 1)[-1]
    return None


async def start(message: Message, state: FSMContext, gazetteer: Gazetteer, tz: str) -> None:
    await state.set_state(OperationForm.name)
    await state.set_data({"draft": {}})
    await message.answer(_("operation.form.start"))
    await ask(message, fields.NAME, {}, gazetteer, tz)


async def cmd_newoperation(
    message: Message, user: User, settings: Settings, state: FSMContext, gazetteer: Gazetteer
) -> None:
    """Admin sends /newoperation → bot asks the operation's name (or a YAML or JSON file)."""
    if await admin(message, user, settings):
        await start(message, state, gazetteer, settings.timezone)


async def ask(
    message: Message, name: str, draft: drafts.Draft, gazetteer: Gazetteer, tz: str
) -> None:
    """The prompt of a step, with the value kept so far and its buttons."""
    current = drafts.shown(draft, name, gazetteer, tz)
    keyboard = form_keyboard(
        keep=current is not None, skip=name in fields.OPTIONAL, back=name != STEPS[0]
    )
    await message.answer(prompt(name, current), reply_markup=keyboard)


async def go_to(
    message: Message,
    state: FSMContext,
    name: str,
    draft: drafts.Draft,
    gazetteer: Gazetteer,
    tz: str,
) -> None:
    """Show a step (or the summary, past the last one)."""
    await state.update_data(draft=draft, **{PENDING: None})
    if name == "summary":
        await state.set_state(OperationForm.summary)
        await show_summary(message, draft, gazetteer, tz)
        return
    await state.set_state(STATES[name])
    await ask(message, name, draft, gazetteer, tz)


def after(name: str) -> str:
    index = STEPS.index(name)
    return STEPS[index + 1] if index + 1 < len(STEPS) else "summary"


def before(name: str) -> str:
    if name == "summary":
        return STEPS[-1]
    return STEPS[max(0, STEPS.index(name) - 1)]


async def show_summary(
    message: Message, draft: drafts.Draft, gazetteer: Gazetteer, tz: str
) -> None:
    text = _("operation.form.summary").format(card=card_text(drafts.view(draft, gazetteer), tz))
    problems = drafts.problems(draft)
    if problems:
        text += "\n\n" + problems_text(problems)
    await message.answer(text, reply_markup=summary_keyboard(not problems))


async def on_form_text(
    message: Message, state: FSMContext, gazetteer: Gazetteer, settings: Settings
) -> None:
    """Admin types a step's value → bot checks it and asks the next (or says what is wrong)."""
    name = step_of(await state.get_state())
    data = await state.get_data()
    draft: drafts.Draft = data.get("draft", {})
    tz = settings.timezone
    if name is None or name == "summary":
        await message.answer(_("operation.form.use_buttons"))
        return
    earlier = {d: drafts.date_of(draft, d) for d in fields.DATES[: _date_index(name)]}
    value, problems = drafts.read_value(name, message.text or "", gazetteer, tz, earlier)
    if problems:
        await message.answer(problems_text(problems), reply_markup=_retry_keyboard(name, draft))
        return
    if name == fields.TERRITORY:
        await state.update_data(**{PENDING: value})
        areas = drafts.areas_of({PENDING: value}, PENDING)
        await message.answer(territory_check(areas, gazetteer), reply_markup=form_keyboard(ok=True))
        return
    draft[name] = value
    await go_to(message, state, after(name), draft, gazetteer, tz)


def _date_index(name: str) -> int:
    return fields.DATES.index(name) if name in fields.DATES else 0


def _retry_keyboard(name: str, draft: drafts.Draft) -> Any:
    return form_keyboard(
        keep=draft.get(name) not in (None, ""), skip=name in fields.OPTIONAL, back=name != STEPS[0]
    )


async def on_form_step(
    query: CallbackQuery,
    action: str,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    gazetteer: Gazetteer,
) -> None:
    """Admin taps Back, Keep, Skip, Yes (territory), Create or Cancel in the dialogue."""
    name = step_of(await state.get_state())
    message = query.message
    if name is None or not isinstance(message, Message):
        await query.answer(_("stale"), show_alert=True)
        return
    await query.answer()
    await message.edit_reply_markup(reply_markup=None)
    data = await state.get_data()
    draft: drafts.Draft = data.get("draft", {})
    tz = settings.timezone
    if action == "cancel":
        await state.clear()
        await message.answer(_("operation.form.cancelled"))
    elif action == "back":
        await go_to(message, state, before(name), draft, gazetteer, tz)
    elif action == "keep" and name != "summary" and draft.get(name) not in (None, ""):
        await go_to(message, state, after(name), draft, gazetteer, tz)
    elif action == "skip" and name in fields.OPTIONAL:
        await go_to(message, state, after(name), draft | {name: ""}, gazetteer, tz)
    elif action == "ok" and name == fields.TERRITORY and data.get(PENDING):
        draft[fields.TERRITORY] = data[PENDING]
        await go_to(message, state, after(name), draft, gazetteer, tz)
    elif action == "create" and name == "summary":
        await create(message, state, draft, session, user, settings, gazetteer)
    else:
        await go_to(message, state, name, draft, gazetteer, tz)  # a stale button: ask again


async def create(
    message: Message,
    state: FSMContext,
    draft: drafts.Draft,
    session: AsyncSession,
    user: User,
    settings: Settings,
    gazetteer: Gazetteer,
) -> None:
    """Store the operation (admins only, a complete draft in order) and show its card."""
    if not await admin(message, user, settings):
        return
    if drafts.problems(draft):
        await show_summary(message, draft, gazetteer, settings.timezone)
        return
    operation = await operations.create(
        session,
        drafts.columns(draft),
        [(a.level, a.code) for a in drafts.areas_of(draft)],
        created_by=user.id,
    )
    await state.clear()
    text, keyboard = await render_card(session, operation, gazetteer, settings, user)
    await message.answer(_("operation.created") + "\n\n" + text, reply_markup=keyboard)
