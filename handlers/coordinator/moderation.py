"""/moderation: the queue of submitted applications of the coordinator's operations; approve
(it becomes an upcoming campaign held by the applicant), refuse with a reason, or ask for
changes with a reason. The applicant is told each decision in their language (outbox).

Every press is checked on the server against the application's operation
(storage.repo.operations.may_coordinate), whatever the button says; a decision is taken only
from `submitted`, so two coordinators cannot decide the same application twice.
"""

from html import escape

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery import moderation as notices
from bot.domain import applications as rules
from bot.domain.clock import Clock
from bot.domain.gazetteer import Gazetteer
from bot.filters import HasRole, Inline
from bot.imports import applications as approval
from bot.readmodels.sync import ReadModels
from bot.settings import Settings
from bot.ui import applications as ui
from storage.models import Application, User
from storage.repo import applications as repo
from storage.repo import operations


class ModerationReason(StatesGroup):
    """Waiting for the reason of a refusal or a change request (FSM data: application, action)."""

    waiting = State()


async def cmd_moderation(
    message: Message, session: AsyncSession, user: User, settings: Settings
) -> None:
    """Coordinator sends /moderation → bot lists the applications awaiting a decision."""
    text, markup = await queue_view(session, user, settings)
    await message.answer(text, reply_markup=markup)


async def queue_view(
    session: AsyncSession, user: User, settings: Settings
) -> tuple[str, InlineKeyboardMarkup]:
    is_admin = user.id in settings.admin_ids
    listed = await operations.listed(session, user.id, is_admin)
    names = {operation.id: operation.name for operation in listed}
    items, total = await repo.queue(session, None if is_admin else list(names))
    return ui.queue_text(items, total), ui.queue_keyboard(items, names)


async def on_queue(
    query: CallbackQuery, session: AsyncSession, user: User, settings: Settings
) -> None:
    """Coordinator presses "back to the queue" → bot shows it again, as it stands now."""
    if not isinstance(query.message, Message):
        await query.answer(_("stale"), show_alert=True)
        return
    await query.answer()
    text, markup = await queue_view(session, user, settings)
    await query.message.edit_text(text, reply_markup=markup)


async def checked(
    query: CallbackQuery, application_id: int, session: AsyncSession, user: User, settings: Settings
) -> Application | None:
    """The application if the user may moderate it; otherwise the refusal is answered."""
    application = await repo.get(session, application_id)
    if application is None or not isinstance(query.message, Message):
        await query.answer(_("stale"), show_alert=True)
        return None
    if not await operations.may_coordinate(
        session, user.id, application.operation_id, settings.admin_ids
    ):
        await query.answer(_("moderation.forbidden"), show_alert=True)
        return None
    return application


async def on_view(
    query: CallbackQuery,
    callback_data: ui.ModerationView,
    session: AsyncSession,
    user: User,
    settings: Settings,
    gazetteer: Gazetteer,
) -> None:
    """Coordinator opens an application → bot shows it in full, with the decisions."""
    application = await checked(query, callback_data.id, session, user, settings)
    if application is None:
        return
    await query.answer()
    await show_card(query, application, session, settings, gazetteer)


async def show_card(
    query: CallbackQuery,
    application: Application,
    session: AsyncSession,
    settings: Settings,
    gazetteer: Gazetteer,
) -> None:
    assert isinstance(query.message, Message)
    operation = await operations.get(session, application.operation_id)
    name = operation.name if operation else ""
    answers = ui.answers_of(application, gazetteer)
    await query.message.edit_text(
        ui.card_text(application, name, answers, settings.timezone),
        reply_markup=ui.card_keyboard(application),
    )


async def on_act(
    query: CallbackQuery,
    callback_data: ui.ModerationAct,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    gazetteer: Gazetteer,
    clock: Clock,
    read_models: ReadModels,
) -> None:
    """Coordinator presses approve (then confirms), refuse or ask for changes → bot does it,
    or asks for the reason; a decided application only shows its state."""
    application = await checked(query, callback_data.id, session, user, settings)
    if application is None:
        return
    action = callback_data.action
    if application.status != rules.SUBMITTED or action not in (
        "approve", "approve_yes", "refuse", "changes",
    ):  # fmt: skip
        await query.answer(_("moderation.already"), show_alert=True)
        await show_card(query, application, session, settings, gazetteer)
        return
    assert isinstance(query.message, Message)
    if action == "approve":
        await query.answer()
        await query.message.edit_reply_markup(reply_markup=ui.approve_keyboard(application.id))
    elif action == "approve_yes":
        await approve(query, application, session, user, settings, gazetteer, clock, read_models)
    else:
        await query.answer()
        await state.set_state(ModerationReason.waiting)
        await state.set_data({"application": application.id, "action": action})
        key = (
            "moderation.ask_reason.refuse"
            if action == "refuse"
            else "moderation.ask_reason.changes"
        )
        await query.message.answer(_(key).format(id=application.id))


async def approve(
    query: CallbackQuery,
    application: Application,
    session: AsyncSession,
    user: User,
    settings: Settings,
    gazetteer: Gazetteer,
    clock: Clock,
    read_models: ReadModels,
) -> None:
    """The application becomes an upcoming campaign; the applicant is told and is its holder."""
    assert isinstance(query.message, Message)
    now = clock()
    operation = await operations.get(session, application.operation_id)
    assert operation is not None  # an application goes with its operation (cascade)
    result = await approval.approve(session, application, operation, gazetteer, user.id, now)
    if isinstance(result, approval.NotApproved):
        key = (
            "moderation.no_window" if result.reason == approval.NO_WINDOW else "moderation.no_point"
        )
        await query.answer(_(key), show_alert=True)
        return
    await notices.notify_applicant(session, application, operation, now, settings.timezone)
    await query.answer()
    await query.message.edit_text(
        _("moderation.approved").format(
            id=application.id,
            name=escape(application.project_name),
            starts=ui.launch_text(operation, settings.timezone),
        )
    )
    # Committed by now (before the call above): the applicant's cached row had holder=False.
    read_models.users.forget([application.applicant_id])


async def on_reason(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
) -> None:
    """Coordinator types the reason → bot refuses or asks for changes, and tells the applicant
    (the application decided meanwhile, or no longer theirs to moderate: bot says so)."""
    data = await state.get_data()
    reason = rules.clean_text(message.text or "", rules.MAX_REASON, multiline=True)
    if isinstance(reason, rules.TextProblem):
        key = "moderation.bad_reason" if reason.reason != "too_long" else "apply.bad.too_long"
        await message.answer(_(key).format(max=rules.MAX_REASON))
        return
    await state.clear()
    application = await repo.get(session, int(data["application"]))
    if application is None or not await operations.may_coordinate(
        session, user.id, application.operation_id, settings.admin_ids
    ):
        await message.answer(_("moderation.forbidden"))
        return
    if application.status != rules.SUBMITTED:
        await message.answer(_("moderation.already"))
        return
    refused = data["action"] == "refuse"
    now = clock()
    status = rules.REFUSED if refused else rules.CHANGES
    repo.decide(application, status, user.id, now, reason=reason)
    operation = await operations.get(session, application.operation_id)
    assert operation is not None
    await notices.notify_applicant(session, application, operation, now, settings.timezone)
    key = "moderation.refused" if refused else "moderation.changes_asked"
    await message.answer(_(key).format(id=application.id, name=escape(application.project_name)))


async def on_not_reason(message: Message) -> None:
    """Coordinator sends something else than text for the reason → bot asks for text."""
    await message.answer(_("moderation.bad_reason"))


async def cmd_cancel(message: Message, state: FSMContext) -> None:
    """Coordinator sends /cancel instead of a reason → nothing is decided."""
    await state.clear()
    await message.answer(_("moderation.cancelled"))


def create_router() -> Router:
    router = Router(name="moderation")
    router.message.register(cmd_moderation, Command("moderation"))
    router.callback_query.register(on_queue, ui.ModerationList.filter())
    router.callback_query.register(on_view, ui.ModerationView.filter())
    router.callback_query.register(on_act, ui.ModerationAct.filter())
    return router


def create_reason_router() -> Router:
    """The reason typed after "refuse" or "ask for changes". It must be tried before the
    residents' handlers: handlers.resident.places takes any text from someone who has not
    given their place yet, as a place."""
    router = Router(name="moderation_reason")
    router.message.filter(HasRole("coordinator"), StateFilter(ModerationReason.waiting))
    router.message.register(cmd_cancel, Command("cancel"))
    router.message.register(on_reason, Inline(F.text & ~F.text.startswith("/")))
    router.message.register(on_not_reason, Inline(~F.text))
    return router
