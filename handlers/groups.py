"""Groups and channels: the bot shows nobody's data there and does not take part in chatter.

Its commands get one short answer with a button that opens a private chat (a deep link carrying
the command's argument, such as a project's `p_<id>`); everything else is left alone. No user is
loaded or created for these updates (bot.middlewares.UserMiddleware), so no other handler can
run in a group.
"""

import re

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.filters import Inline

PRIVATE = ChatType.PRIVATE
# What Telegram accepts after ?start= (a poster's p_12_shop-counter, an invitation's token).
START_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")


def private_chat_button(username: str, payload: str) -> InlineKeyboardMarkup:
    url = f"https://t.me/{username}" + (f"?start={payload}" if payload else "")
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=_("group.open_private"), url=url)]]
    )


async def on_group_command(message: Message, bot: Bot) -> None:
    """Someone sends a command in a group → bot answers once: "in a private chat", with a link."""
    me = await bot.me()
    head, _sep, args = (message.text or "").partition(" ")
    name, _at, mention = head[1:].partition("@")
    if mention and mention.lower() != (me.username or "").lower():
        return  # addressed to another bot
    payload = args.strip() if name == "start" else ""
    if not START_PAYLOAD.fullmatch(payload):
        payload = ""
    await message.reply(
        _("group.private_only"), reply_markup=private_chat_button(me.username or "", payload)
    )


async def on_group_chatter(_message: Message) -> None:
    """Anything else said in a group → nothing: the bot does not take part in conversations."""


async def on_group_button(query: CallbackQuery) -> None:
    """A button pressed in a group → a short note only the presser sees."""
    await query.answer(_("group.private_only"), show_alert=True)


def create_router() -> Router:
    router = Router(name="groups")
    router.message.filter(Inline(F.chat.type != PRIVATE))
    router.message.register(on_group_command, Inline(F.text.startswith("/")))
    router.message.register(on_group_chatter)
    router.callback_query.filter(Inline(F.message.chat.type != PRIVATE))
    router.callback_query.register(on_group_button)
    return router
