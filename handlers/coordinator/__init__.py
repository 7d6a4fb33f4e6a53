"""Coordinators (appointed by an admin; admins have the role too): operations, and for admins
the coordinators themselves. Every action is checked again on the operation it touches
(handlers.coordinator.access, storage.repo.operations.may_coordinate): the role only opens the
door."""

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.gazetteer import Gazetteer
from bot.filters import HasRole, Inline
from bot.imports.operation_file import is_operation_file
from bot.settings import Settings
from bot.ui.operations import (
    CoordinatorMenu,
    FormStep,
    OperationEdit,
    OperationList,
    OperationMenu,
)
from bot.ui.platform_sync import PlaceCommune, SyncMenu, UnplacedPick
from handlers.coordinator import (
    announcements,
    coordinators,
    imports,
    moderation,
    operation_edit,
    operation_file,
    operation_form,
    platform_sync,
    unplaced,
)
from handlers.coordinator import operations as listing
from handlers.coordinator.access import admin
from storage.models import User

DIALOGUES = (
    operation_form.OperationForm,
    operation_edit.OperationEditForm,
    coordinators.CoordinatorIdForm,
    unplaced.PlaceByHand,
)
TYPED = Inline(F.text & ~F.text.startswith("/"))


async def cmd_cancel(message: Message, state: FSMContext) -> None:
    """Coordinator sends /cancel in a dialogue → it ends, nothing is saved."""
    await state.clear()
    await message.answer(_("operation.form.cancelled"))


async def on_form_step(
    query: CallbackQuery,
    callback_data: FormStep,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    gazetteer: Gazetteer,
) -> None:
    """A dialogue's button → the dialogue the user is in handles it ("new": start one)."""
    raw = await state.get_state()
    action = callback_data.action
    if action == "new":
        if await admin(query, user, settings) and isinstance(query.message, Message):
            await query.answer()
            await operation_form.start(query.message, state, gazetteer, settings.timezone)
    elif operation_form.step_of(raw) is not None:
        await operation_form.on_form_step(query, action, state, session, user, settings, gazetteer)
    elif raw == operation_edit.OperationEditForm.value.state:
        await operation_edit.on_edit_step(query, action, state, session, user, settings, gazetteer)
    elif raw == coordinators.CoordinatorIdForm.user_id.state and action == "cancel":
        await query.answer()
        await state.clear()
        if isinstance(query.message, Message):
            await query.message.edit_reply_markup(reply_markup=None)
            await query.message.answer(_("operation.form.cancelled"))
    else:
        await query.answer(_("stale"), show_alert=True)


async def is_operation_document(message: Message) -> bool:
    return message.document is not None and is_operation_file(message.document.file_name)


def create_router() -> Router:
    router = Router(name="coordinator")
    router.message.filter(HasRole("coordinator"))
    router.callback_query.filter(HasRole("coordinator"))
    router.message.register(cmd_cancel, StateFilter(*DIALOGUES), Command("cancel"))
    router.message.register(listing.cmd_operations, Command("operations"))
    router.message.register(operation_form.cmd_newoperation, Command("newoperation"))
    router.message.register(coordinators.cmd_coordinators, Command("coordinators"))
    router.message.register(
        operation_form.on_form_text, StateFilter(operation_form.OperationForm), TYPED
    )
    router.message.register(
        operation_edit.on_edit_text, StateFilter(operation_edit.OperationEditForm.value), TYPED
    )
    router.message.register(
        coordinators.on_coordinator_id, StateFilter(coordinators.CoordinatorIdForm.user_id), TYPED
    )
    router.message.register(
        unplaced.on_commune_text, StateFilter(unplaced.PlaceByHand.commune), TYPED
    )
    router.message.register(operation_file.on_operation_file, is_operation_document)
    router.callback_query.register(on_form_step, FormStep.filter())
    router.callback_query.register(listing.on_list_page, OperationList.filter())
    router.callback_query.register(listing.on_operation_menu, OperationMenu.filter())
    router.callback_query.register(operation_edit.on_edit_field, OperationEdit.filter())
    router.callback_query.register(coordinators.on_coordinator_menu, CoordinatorMenu.filter())
    router.callback_query.register(platform_sync.on_sync_menu, SyncMenu.filter())
    router.callback_query.register(unplaced.on_unplaced_pick, UnplacedPick.filter())
    router.callback_query.register(
        unplaced.on_commune_pick, StateFilter(unplaced.PlaceByHand.commune), PlaceCommune.filter()
    )
    router.include_routers(
        moderation.create_router(), imports.create_router(), announcements.create_router()
    )
    return router
