"""The application's summary (submit, fix a field, cancel), its submission, and the applicant's
/myapplications, from which an application sent back for changes is edited and resubmitted.

An applicant sees their own applications only: every id is checked against the user.
"""

from datetime import datetime
from html import escape
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery import moderation as notices
from bot.domain import applications as rules
from bot.domain.clock import Clock
from bot.domain.gazetteer import Gazetteer
from bot.domain.territory import describe
from bot.filters import Inline
from bot.settings import Settings
from bot.ui import applications as ui
from handlers.resident.apply import ApplyForm, ask, show_summary, territory_of
from storage.models import Application, Operation, User
from storage.repo import applications as repo
from storage.repo import operations


async def on_summary_text(message: Message) -> None:
    """User types at the summary → bot points to its buttons."""
    await message.answer(_("apply.use_summary_buttons"), reply_markup=ui.summary_keyboard())


async def on_step(
    query: CallbackQuery,
    callback_data: ui.ApplyStep,
    state: FSMContext,
    raw_state: str | None,
    session: AsyncSession,
    user: User,
    gazetteer: Gazetteer,
    clock: Clock,
    settings: Settings,
) -> None:
    """User presses submit, fix a field, back or cancel on the summary."""
    action = callback_data.action
    if (
        raw_state != ApplyForm.confirm.state
        or action not in ("fix", "back", "cancel", "submit")
        or not isinstance(query.message, Message)
    ):
        await query.answer(_("stale"), show_alert=True)
        return
    await query.answer()
    if action == "submit":
        await submit(query.message, state, session, user, gazetteer, clock(), settings)
    elif action == "cancel":
        await state.clear()
        await query.message.edit_reply_markup(reply_markup=None)
        await query.message.answer(_("apply.cancelled"))
    else:
        markup = ui.fix_keyboard() if action == "fix" else ui.summary_keyboard()
        await query.message.edit_reply_markup(reply_markup=markup)


async def on_fix(
    query: CallbackQuery,
    callback_data: ui.ApplyFix,
    state: FSMContext,
    raw_state: str | None,
    session: AsyncSession,
    gazetteer: Gazetteer,
) -> None:
    """User picks the field to fix → bot asks it again; the other answers stay."""
    field = callback_data.field
    if (
        raw_state != ApplyForm.confirm.state
        or field not in rules.FIELDS
        or not isinstance(query.message, Message)
    ):
        await query.answer(_("stale"), show_alert=True)
        return
    await query.answer()
    await query.message.edit_reply_markup(reply_markup=None)
    territory = ""
    if field == rules.COMMUNE:
        operation_id = (await state.get_data())["operation"]
        territory = describe(await territory_of(session, operation_id), gazetteer)
    await ask(query.message, state, field, territory)


async def submit(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    gazetteer: Gazetteer,
    now: datetime,
    settings: Settings,
) -> None:
    """Write the application (or put the edited one back in the queue) and notify the
    operation's coordinators; when that is no longer possible, say why."""
    data = await state.get_data()
    operation = await operations.get(session, data["operation"])
    resubmitted = data.get("application") is not None
    if resubmitted:
        application = await _resubmitted(session, data, user, now)
    else:
        application = await _created(session, data, user, operation, now)
    await message.edit_reply_markup(reply_markup=None)
    await state.clear()
    if operation is None or application is None:
        key = "apply.not_editable" if resubmitted else "apply.closed_meanwhile"
        await message.answer(_(key))
        return
    commune = gazetteer.by_insee(application.commune_insee)
    place = commune.name if commune else application.commune_insee
    await notices.notify_coordinators(
        session, application, operation, place, now, settings.timezone, resubmitted=resubmitted
    )
    key = "apply.resubmitted" if resubmitted else "apply.submitted"
    await message.answer(_(key).format(id=application.id, operation=escape(operation.name)))


async def _created(
    session: AsyncSession,
    data: dict[str, Any],
    user: User,
    operation: Operation | None,
    now: datetime,
) -> Application | None:
    """The new application; None when the call closed while the form was filled in."""
    if operation is None or not rules.call_open(operation, now):
        return None
    fields = rules.columns(data["answers"])
    return await repo.create(session, operation.id, user.id, fields, now)


async def _resubmitted(
    session: AsyncSession, data: dict[str, Any], user: User, now: datetime
) -> Application | None:
    """The edited application back to submitted; None when it is not the user's or no longer
    awaits changes (decided meanwhile)."""
    application = await repo.get(session, int(data["application"]))
    if not _editable(application, user):
        return None
    assert application is not None
    repo.resubmit(application, rules.columns(data["answers"]), now)
    return application


def _editable(application: Application | None, user: User) -> bool:
    return (
        application is not None
        and application.applicant_id == user.id
        and application.status == rules.CHANGES
    )


# --- /myapplications ------------------------------------------------------------------------------


async def cmd_my_applications(message: Message, session: AsyncSession, user: User) -> None:
    """User sends /myapplications → bot lists their applications and their states, with an
    edit button for those sent back for changes."""
    rows = await repo.of_applicant(session, user.id)
    await message.answer(
        ui.my_applications_text(rows), reply_markup=ui.my_applications_keyboard(rows)
    )


async def on_edit(
    query: CallbackQuery,
    callback_data: ui.MyApplication,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    gazetteer: Gazetteer,
) -> None:
    """User presses "edit" on an application sent back for changes → bot shows its summary,
    to fix fields and submit it again (another's, or one decided since: refused)."""
    application = await repo.get(session, callback_data.id)
    if not _editable(application, user) or not isinstance(query.message, Message):
        await query.answer(_("apply.not_editable"), show_alert=True)
        return
    assert application is not None
    await query.answer()
    values = {name: getattr(application, name) for name in rules.COLUMNS}
    await state.set_data(
        {
            "operation": application.operation_id,
            "application": application.id,
            "answers": rules.answers_of(values),
        }
    )
    await show_summary(query.message, state, session, gazetteer)


def create_router() -> Router:
    router = Router(name="applications")
    not_command = Inline(F.text & ~F.text.startswith("/"))
    router.message.register(cmd_my_applications, Command("myapplications"))
    router.message.register(on_summary_text, StateFilter(ApplyForm.confirm), not_command)
    router.callback_query.register(on_step, ui.ApplyStep.filter())
    router.callback_query.register(on_fix, ui.ApplyFix.filter())
    router.callback_query.register(on_edit, ui.MyApplication.filter())
    return router
