"""An admin sends an operation as a YAML or JSON file → the bot checks every field and either
lists every problem (nothing created) or shows the summary to confirm, as the dialogue does.

The checked values go into the dialogue's summary step: Create, Back (to change a value) and
Cancel work as there, and Create checks again."""

import io

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.domain.gazetteer import Gazetteer
from bot.domain.operations import from_mapping
from bot.imports.operation_file import (
    MAX_BYTES,
    OperationFileError,
    read_operation_file,
)
from bot.settings import Settings
from bot.ui.operations import problems_text
from handlers.coordinator import drafts
from handlers.coordinator.access import admin
from handlers.coordinator.operation_form import go_to
from storage.models import User


async def download(bot: Bot, file_id: str) -> bytes:
    buffer = io.BytesIO()
    await bot.download(file_id, destination=buffer)
    return buffer.getvalue()


async def on_operation_file(
    message: Message,
    bot: Bot,
    user: User,
    settings: Settings,
    state: FSMContext,
    gazetteer: Gazetteer,
) -> None:
    """Admin sends a .yaml/.yml/.json file → its problems, or the operation's summary."""
    document = message.document
    if document is None or not await admin(message, user, settings):
        return
    if (document.file_size or 0) > MAX_BYTES:
        await message.answer(_("operation.file.too_big").format(max=MAX_BYTES // 1024))
        return
    try:
        content = await download(bot, document.file_id)
        data = read_operation_file(document.file_name or "", content)
    except OperationFileError as error:
        await message.answer(_(error.key).format(**error.values))
        return
    except TelegramBadRequest:
        await message.answer(_("operation.file.unreadable"))
        return
    checked, problems = from_mapping(data, gazetteer, settings.timezone)
    if checked is None:
        await message.answer(_("operation.file.invalid") + "\n\n" + problems_text(problems))
        return
    await state.set_data({})
    await go_to(
        message, state, "summary", drafts.from_checked(checked), gazetteer, settings.timezone
    )
