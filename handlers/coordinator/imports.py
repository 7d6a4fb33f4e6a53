"""/import: a coordinator sends a CSV or JSON file of campaigns (the format of `python -m bot
import`) for one of their operations; the bot answers with the created, updated and rejected
counts and each rejected line's reason.

The operation is chosen first (/import, its buttons, or `/import <id>`), or named in the file's
caption (`/import <id>`). It is checked on the server (may_coordinate) when chosen and again when
the file arrives.
"""

from html import escape
from io import BytesIO

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    Document,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clock import Clock
from bot.domain.gazetteer import Gazetteer
from bot.filters import HasRole, Inline
from bot.imports.documents import MAX_BYTES, DocumentProblem, import_document, suffix_of
from bot.imports.importer import DuplicateCampaigns
from bot.settings import Settings
from bot.ui.callbacks import RowId
from bot.ui.imports import duplicates_text, report_text
from storage.models import Operation, User
from storage.repo import operations


class ImportFile(StatesGroup):
    """Waiting for the file of an operation (FSM data: operation)."""

    waiting = State()


class ImportPick(CallbackData, prefix="imp"):
    """Which operation the file is for."""

    id: RowId


async def cmd_import(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    gazetteer: Gazetteer,
    clock: Clock,
    bot: Bot,
) -> None:
    """Coordinator sends /import [id] (or a file captioned so) → bot asks for the file of that
    operation (or which operation), or imports the file at once."""
    args = (command.args or "").strip()
    if args:
        operation = await _operation(session, user, settings, args)
        if operation is None:
            await message.answer(_("coord.import.forbidden"))
        elif message.document is not None:
            await import_file(
                message, message.document, operation, session, settings, gazetteer, clock, bot
            )
        else:
            await ask_file(message, state, operation)
        return
    listed = await operations.listed(session, user.id, user.id in settings.admin_ids)
    if len(listed) == 1:
        await ask_file(message, state, listed[0])
    elif listed:
        await message.answer(_("coord.import.pick"), reply_markup=_picker(listed))
    else:
        await message.answer(_("coord.import.none"))


async def _operation(
    session: AsyncSession, user: User, settings: Settings, args: str
) -> Operation | None:
    """The operation named by id, if the user may act on it."""
    if not (args.isascii() and args.isdigit() and 0 < len(args) < 10):
        return None
    if not await operations.may_coordinate(session, user.id, int(args), settings.admin_ids):
        return None
    return await operations.get(session, int(args))


def _picker(listed: list[Operation]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=op.name, callback_data=ImportPick(id=op.id).pack())]
            for op in listed
        ]
    )


async def ask_file(message: Message, state: FSMContext, operation: Operation) -> None:
    """Wait for the operation's file (also the entry point of an "Import" button elsewhere)."""
    await state.set_state(ImportFile.waiting)
    await state.set_data({"operation": operation.id})
    await message.answer(
        _("coord.import.ask").format(
            operation=escape(operation.name), max_mb=MAX_BYTES // (1024 * 1024)
        )
    )


async def on_pick(
    query: CallbackQuery,
    callback_data: ImportPick,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
) -> None:
    """Coordinator picks the operation → bot asks for its file (not theirs: refused)."""
    operation = await _operation(session, user, settings, str(callback_data.id))
    if operation is None or not isinstance(query.message, Message):
        await query.answer(_("coord.import.forbidden"), show_alert=True)
        return
    await query.answer()
    await query.message.edit_reply_markup(reply_markup=None)
    await ask_file(query.message, state, operation)


async def on_document(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    gazetteer: Gazetteer,
    clock: Clock,
    bot: Bot,
) -> None:
    """Coordinator sends the awaited file → bot imports it and reports."""
    assert message.document is not None
    operation_id = (await state.get_data()).get("operation", 0)
    await state.clear()
    operation = await _operation(session, user, settings, str(operation_id))
    if operation is None:
        await message.answer(_("coord.import.forbidden"))
        return
    await import_file(
        message, message.document, operation, session, settings, gazetteer, clock, bot
    )


async def import_file(
    message: Message,
    document: Document,
    operation: Operation,
    session: AsyncSession,
    settings: Settings,
    gazetteer: Gazetteer,
    clock: Clock,
    bot: Bot,
) -> None:
    name = document.file_name or ""
    try:
        suffix = suffix_of(name, document.mime_type, document.file_size)
        downloaded = await bot.download(document.file_id, destination=BytesIO())
        content = downloaded.read() if downloaded is not None else b""
        imported = await import_document(
            session, content, suffix, name, operation.id, gazetteer,
            tz=settings.timezone, now=clock(),
        )  # fmt: skip
    except DocumentProblem as problem:
        values = {key: escape(str(value)) for key, value in problem.values.items()}
        await message.answer(_(problem.key).format(**values))
        return
    except DuplicateCampaigns as error:
        await message.answer(duplicates_text(error.duplicates))
        return
    await message.answer(report_text(operation.name, imported.report, imported.rejections))


async def on_waiting_text(message: Message) -> None:
    """Coordinator types while the bot awaits a file → bot asks for the file (or /cancel)."""
    await message.answer(_("coord.import.send_file"))


async def on_stray_document(message: Message) -> None:
    """Coordinator sends a file out of the blue → bot says how to import one."""
    await message.answer(_("coord.import.how"))


async def cmd_cancel(message: Message, state: FSMContext) -> None:
    """Coordinator sends /cancel instead of the file → nothing is imported."""
    await state.clear()
    await message.answer(_("coord.import.cancelled"))


def create_router() -> Router:
    router = Router(name="imports")
    router.message.register(cmd_import, Command("import"))
    router.message.register(on_stray_document, Inline(F.document))
    router.callback_query.register(on_pick, ImportPick.filter())
    return router


def create_waiting_router() -> Router:
    """The awaited file, what is typed meanwhile, and a file captioned `/import <id>`: tried
    before the residents' handlers (places takes any text from someone without a place) and
    before the operation files' handler (which takes any JSON file)."""
    router = Router(name="imports_waiting")
    router.message.filter(HasRole("coordinator"))
    waiting = StateFilter(ImportFile.waiting)
    router.message.register(cmd_import, Command("import"), Inline(F.document))
    router.message.register(cmd_cancel, waiting, Command("cancel"))
    router.message.register(on_document, waiting, Inline(F.document))
    router.message.register(on_waiting_text, waiting, Inline(F.text & ~F.text.startswith("/")))
    return router
