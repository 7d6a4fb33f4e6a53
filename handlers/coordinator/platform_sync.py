"""An operation's platform, from its card: "Sync now" (the sync service's run of that one
operation, never alongside another run of it: bot.imports.sync.sync_now), the projects a sync
could not place (placing one: handlers.coordinator.unplaced), and "Import" (a campaign file:
handlers.coordinator.imports). Every press is checked on the operation it names."""

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.clock import Clock
from bot.domain.gazetteer import Gazetteer
from bot.imports import sync
from bot.settings import Settings
from bot.ui.platform_sync import SyncMenu, report_text, unplaced_keyboard, unplaced_text
from handlers.coordinator import imports
from handlers.coordinator.access import coordinated, render_card
from storage.models import Operation, User
from storage.repo import platform

ACTIONS = ("now", "unplaced", "import")


async def on_sync_menu(
    query: CallbackQuery,
    callback_data: SyncMenu,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    gazetteer: Gazetteer,
    clock: Clock,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """Coordinator taps Sync now, the unplaced projects or Import on an operation's card."""
    operation = await coordinated(query, callback_data.id, session, user, settings)
    if operation is None:
        return
    message = query.message
    if not isinstance(message, Message) or callback_data.action not in ACTIONS:
        await query.answer(_("stale"), show_alert=True)
        return
    if callback_data.action == "now":
        await sync_now(query, message, operation, session, user, settings, gazetteer, clock,
                       sessionmaker)  # fmt: skip
        return
    await query.answer()
    if callback_data.action == "unplaced":
        await show_unplaced(message, operation, session, edit=True)
    else:
        await imports.ask_file(message, state, operation)


async def sync_now(
    query: CallbackQuery,
    message: Message,
    operation: Operation,
    session: AsyncSession,
    user: User,
    settings: Settings,
    gazetteer: Gazetteer,
    clock: Clock,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """Run the operation's sync at once, then answer with its report and the card as it is
    now; a run already in progress is not doubled (the coordinator is told)."""
    if not operation.sync_source:
        await query.answer(_("operation.sync.no_source"), show_alert=True)
        return
    # The answer commits this update's transaction first: none stays open while the platform
    # is read (the run writes in its own short transactions).
    await query.answer(_("operation.sync.started"))
    report = await sync.sync_now(sessionmaker, operation.id, settings, gazetteer, clock)
    if report is None:
        await message.answer(_("operation.sync.busy"))
        return
    await session.refresh(operation)
    text, keyboard = await render_card(session, operation, gazetteer, settings, user)
    await message.answer(report_text(operation.name, report) + "\n\n" + text, reply_markup=keyboard)


async def show_unplaced(
    message: Message, operation: Operation, session: AsyncSession, edit: bool
) -> None:
    """The operation's unplaced projects, each with its button to place it."""
    projects = await platform.unplaced(session, operation.id)
    text = unplaced_text(operation.name, projects)
    keyboard = unplaced_keyboard(operation.id, projects)
    if edit:
        await message.edit_text(text, reply_markup=keyboard)
    else:
        await message.answer(text, reply_markup=keyboard)
