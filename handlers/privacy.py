"""/privacy, /mydata (export everything stored) and /forget (erase it after confirmation)."""

import json

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clock import Clock
from bot.settings import Settings
from bot.ui.callbacks import ForgetConfirm
from storage.models import User
from storage.repo import users


async def cmd_privacy(message: Message, settings: Settings) -> None:
    """User sends /privacy → bot says who runs it, what it stores, why, and how to erase it."""
    operator = settings.operator_name or _("privacy.operator_unknown")
    contact = settings.operator_contact or _("privacy.contact_unknown")
    text = _("privacy.text").format(
        operator=operator, contact=contact, retention_days=settings.retention_days
    )
    await message.answer(text)


async def cmd_mydata(message: Message, session: AsyncSession, user: User, clock: Clock) -> None:
    """User sends /mydata → bot sends everything stored about them as a JSON document."""
    document = await users.export(session, user.id)
    document["exported_at"] = clock().isoformat()
    payload = json.dumps(document, ensure_ascii=False, indent=2).encode()
    await message.answer_document(
        BufferedInputFile(payload, filename="my-data.json"), caption=_("mydata.caption")
    )


async def cmd_forget(message: Message) -> None:
    """User sends /forget → bot asks to confirm the erasure."""
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("forget.yes"), callback_data=ForgetConfirm(yes=True).pack()
                ),
                InlineKeyboardButton(
                    text=_("forget.no"), callback_data=ForgetConfirm(yes=False).pack()
                ),
            ]
        ]
    )
    await message.answer(_("forget.confirm"), reply_markup=markup)


async def on_forget(
    query: CallbackQuery,
    callback_data: ForgetConfirm,
    session: AsyncSession,
    user: User,
    state: FSMContext,
) -> None:
    """User confirms or cancels /forget → bot erases everything, or keeps it."""
    if not isinstance(query.message, Message):
        await query.answer(_("stale"), show_alert=True)
        return
    await query.answer()
    if not callback_data.yes:
        await query.message.edit_text(_("forget.cancelled"))
        return
    await users.delete_user(session, user.id)
    await state.clear()
    await query.message.edit_text(_("forget.done"))


def create_router() -> Router:
    router = Router(name="privacy")
    router.message.register(cmd_privacy, Command("privacy"))
    router.message.register(cmd_mydata, Command("mydata"))
    router.message.register(cmd_forget, Command("forget"))
    router.callback_query.register(on_forget, ForgetConfirm.filter())
    return router
