"""/apply: the guided form of an application to an operation's open call, its summary, fixing a
field (the others are kept), /cancel at every step, and the submission.

The answers live in the FSM data (server-side) until submitted: a button only says which
choice was pressed, and every value is checked again here. A resubmission (after a
coordinator asked for changes: handlers.resident.applications) goes through the same summary.
"""

from datetime import datetime
from html import escape

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import applications as rules
from bot.domain.clock import Clock
from bot.domain.gazetteer import Commune, Gazetteer
from bot.domain.territory import Area, contains, describe
from bot.filters import Inline
from bot.settings import Settings
from bot.ui import applications as ui
from bot.ui import formatting
from bot.ui.progress import locale
from storage.models import Operation
from storage.repo import applications as repo
from storage.repo import operations

MAX_QUERY_CHARS = 80


class ApplyForm(StatesGroup):
    name = State()
    holder = State()
    type = State()
    category = State()
    commune = State()
    goal = State()
    description = State()
    contact = State()
    confirm = State()


STATES = {
    rules.NAME: ApplyForm.name,
    rules.HOLDER: ApplyForm.holder,
    rules.TYPE: ApplyForm.type,
    rules.CATEGORY: ApplyForm.category,
    rules.COMMUNE: ApplyForm.commune,
    rules.GOAL: ApplyForm.goal,
    rules.DESCRIPTION: ApplyForm.description,
    rules.CONTACT: ApplyForm.contact,
}
FIELD_OF = {state.state: name for name, state in STATES.items()}
TYPED = (rules.NAME, rules.HOLDER, rules.DESCRIPTION, rules.CONTACT)


# --- starting -----------------------------------------------------------------------------------


async def cmd_apply(
    message: Message, session: AsyncSession, state: FSMContext, clock: Clock, settings: Settings
) -> None:
    """User sends /apply → bot starts the form of the open call (or asks which one), or says
    when the next call opens."""
    now = clock()
    calls = await repo.open_calls(session, now)
    await state.clear()
    if len(calls) == 1:
        await start_form(message, state, calls[0], settings)
    elif calls:
        await message.answer(
            _("apply.pick"), reply_markup=ui.operations_keyboard(calls, settings.timezone)
        )
    else:
        await message.answer(await closed_text(session, now, settings))


async def closed_text(session: AsyncSession, now: datetime, settings: Settings) -> str:
    upcoming = await repo.next_call(session, now)
    if upcoming is None or upcoming.call_opens_at is None:
        return _("apply.closed")
    return _("apply.closed_next").format(
        operation=escape(upcoming.name),
        opens=formatting.datetime(upcoming.call_opens_at, locale(), settings.timezone),
    )


async def on_pick_call(
    query: CallbackQuery,
    callback_data: ui.ApplyOperation,
    session: AsyncSession,
    state: FSMContext,
    clock: Clock,
    settings: Settings,
) -> None:
    """User picks one of the open calls → bot starts its form (a closed one: bot says so)."""
    operation = await operations.get(session, callback_data.id)
    if not isinstance(query.message, Message) or operation is None:
        await query.answer(_("stale"), show_alert=True)
        return
    await query.answer()
    await query.message.edit_reply_markup(reply_markup=None)
    if not rules.call_open(operation, clock()):
        await query.message.answer(await closed_text(session, clock(), settings))
        return
    await start_form(query.message, state, operation, settings)


async def start_form(
    message: Message, state: FSMContext, operation: Operation, settings: Settings
) -> None:
    await state.set_data({"operation": operation.id, "answers": {}})
    closes = operation.call_closes_at
    await message.answer(
        _("apply.intro").format(
            operation=escape(operation.name),
            closes=formatting.datetime(closes, locale(), settings.timezone) if closes else "",
        )
    )
    await ask(message, state, rules.NAME)


# --- asking and answering -------------------------------------------------------------------------


async def ask(message: Message, state: FSMContext, field: str, territory: str = "") -> None:
    """Put the field's question (with its buttons), and its current value when fixing it."""
    await state.set_state(STATES[field])
    answers = (await state.get_data()).get("answers", {})
    current = answers.get(field) if field in TYPED else None
    text, markup = ui.question(field, territory, current)
    await message.answer(text, reply_markup=markup)


async def save(
    message: Message,
    state: FSMContext,
    field: str,
    value: object,
    session: AsyncSession,
    gazetteer: Gazetteer,
) -> None:
    """Keep one answer, then ask the next missing field, or show the summary."""
    data = await state.get_data()
    answers = {**data.get("answers", {}), field: value}
    await state.update_data(answers=answers)
    missing = rules.next_field(answers)
    if missing is None:
        await show_summary(message, state, session, gazetteer)
        return
    territory = ""
    if missing == rules.COMMUNE:
        territory = describe(await territory_of(session, data["operation"]), gazetteer)
    await ask(message, state, missing, territory)


async def on_typed(
    message: Message,
    state: FSMContext,
    raw_state: str | None,
    session: AsyncSession,
    gazetteer: Gazetteer,
) -> None:
    """User types the project's name, the holder, the description or the contact → bot keeps
    it (too long, empty: bot says why and asks again)."""
    field = FIELD_OF[raw_state or ""]
    limit = rules.MAX_LENGTHS[field]
    value = rules.clean_text(message.text or "", limit, multiline=field == rules.DESCRIPTION)
    if isinstance(value, rules.TextProblem):
        await message.answer(text_problem(value))
        return
    await save(message, state, field, value, session, gazetteer)


def text_problem(problem: rules.TextProblem) -> str:
    if problem.reason == "too_long":
        return _("apply.bad.too_long").format(max=problem.limit)
    if problem.reason == "control":
        return _("apply.bad.control")
    return _("apply.bad.empty")


async def on_goal(
    message: Message, state: FSMContext, session: AsyncSession, gazetteer: Gazetteer
) -> None:
    """User types the goal in euros → bot keeps it in cents (not an amount, out of bounds: bot
    says so)."""
    cents = rules.parse_euros(message.text or "")
    if cents is None:
        await message.answer(_("apply.bad.amount").format(value=escape(message.text or "")))
        return
    if not rules.goal_in_bounds(cents):
        await message.answer(ui.goal_bounds_text())
        return
    await save(message, state, rules.GOAL, cents, session, gazetteer)


async def on_commune_text(
    message: Message, state: FSMContext, session: AsyncSession, gazetteer: Gazetteer
) -> None:
    """User types a commune or postcode → bot takes it if it is in the operation's territory,
    or offers the communes it may mean."""
    text = (message.text or "").strip()
    if not text or len(text) > MAX_QUERY_CHARS:
        await message.answer(_("place.too_long"))
        return
    result = gazetteer.search(text)
    if len(result.matches) == 1:
        await take_commune(message, state, result.matches[0], session, gazetteer)
    elif result.matches or result.suggestions:
        key = "place.several" if result.matches else "place.suggestions"
        await message.answer(
            _(key).format(query=escape(text)),
            reply_markup=ui.commune_keyboard(result.matches or result.suggestions),
        )
    else:
        await message.answer(_("place.unknown").format(query=escape(text)))


async def on_commune_pick(
    query: CallbackQuery,
    callback_data: ui.ApplyCommune,
    state: FSMContext,
    session: AsyncSession,
    gazetteer: Gazetteer,
) -> None:
    """User picks one of the offered communes → bot checks it as if typed."""
    commune = gazetteer.by_insee(callback_data.insee)
    if commune is None or not isinstance(query.message, Message):
        await query.answer(_("stale"), show_alert=True)
        return
    await query.answer()
    await query.message.edit_reply_markup(reply_markup=None)
    await take_commune(query.message, state, commune, session, gazetteer)


async def take_commune(
    message: Message,
    state: FSMContext,
    commune: Commune,
    session: AsyncSession,
    gazetteer: Gazetteer,
) -> None:
    data = await state.get_data()
    areas = await territory_of(session, data["operation"])
    if areas and not contains(areas, commune):
        await message.answer(
            _("apply.bad.outside").format(
                commune=escape(ui.commune_name(commune)),
                territory=escape(describe(areas, gazetteer)),
            )
        )
        return
    if gazetteer.point_for(commune) is None:
        await message.answer(_("apply.bad.no_point").format(commune=escape(commune.name)))
        return
    await save(message, state, rules.COMMUNE, commune.insee, session, gazetteer)


async def territory_of(session: AsyncSession, operation_id: int) -> list[Area]:
    return [Area(level, code) for level, code in await operations.areas_of(session, operation_id)]


async def on_choice(
    query: CallbackQuery,
    callback_data: ui.ApplyChoice,
    state: FSMContext,
    raw_state: str | None,
    session: AsyncSession,
    gazetteer: Gazetteer,
) -> None:
    """User presses a type or category button → bot keeps it and goes on (an old or forged
    button: "no longer available")."""
    allowed = {rules.TYPE: rules.HOLDER_TYPES, rules.CATEGORY: rules.CATEGORIES}
    field = FIELD_OF.get(raw_state or "")
    if (
        field != callback_data.field
        or callback_data.value not in allowed.get(field, ())
        or not isinstance(query.message, Message)
    ):
        await query.answer(_("stale"), show_alert=True)
        return
    await query.answer()
    await query.message.edit_reply_markup(reply_markup=None)
    await save(query.message, state, field, callback_data.value, session, gazetteer)


async def on_use_buttons(message: Message, state: FSMContext, raw_state: str | None) -> None:
    """User types instead of pressing the type or category buttons → bot shows them again."""
    field = FIELD_OF.get(raw_state or "", rules.TYPE)
    markup = ui.type_keyboard() if field == rules.TYPE else ui.category_keyboard()
    await message.answer(_("apply.use_buttons"), reply_markup=markup)


async def on_not_text(message: Message) -> None:
    """User sends a photo, a sticker, a file... during the form → bot asks for text."""
    await message.answer(_("apply.bad.not_text"))


# --- the summary ----------------------------------------------------------------------------------


async def show_summary(
    message: Message, state: FSMContext, session: AsyncSession, gazetteer: Gazetteer
) -> None:
    await state.set_state(ApplyForm.confirm)
    data = await state.get_data()
    operation = await operations.get(session, data["operation"])
    name = operation.name if operation else ""
    await message.answer(
        ui.summary_text(name, ui.answers_from(data["answers"], gazetteer)),
        reply_markup=ui.summary_keyboard(),
    )


async def cmd_cancel(message: Message, state: FSMContext) -> None:
    """User sends /cancel during the form → bot drops it; nothing is sent."""
    await state.clear()
    await message.answer(_("apply.cancelled"))


def create_router() -> Router:
    router = Router(name="apply")
    router.message.register(cmd_apply, Command("apply"))
    router.message.register(cmd_cancel, Command("cancel"), StateFilter(ApplyForm))
    not_command = Inline(F.text & ~F.text.startswith("/"))
    typed = [STATES[name] for name in TYPED]
    router.message.register(on_typed, StateFilter(*typed), not_command)
    router.message.register(on_goal, StateFilter(ApplyForm.goal), not_command)
    router.message.register(on_commune_text, StateFilter(ApplyForm.commune), not_command)
    buttons = StateFilter(ApplyForm.type, ApplyForm.category)
    router.message.register(on_use_buttons, buttons, not_command)
    router.message.register(on_not_text, StateFilter(ApplyForm), Inline(~F.text))
    router.callback_query.register(on_pick_call, ui.ApplyOperation.filter())
    router.callback_query.register(on_choice, ui.ApplyChoice.filter())
    router.callback_query.register(on_commune_pick, ui.ApplyCommune.filter())
    return router
