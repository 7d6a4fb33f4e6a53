"""/start (with deep links), /help, and what no other handler took."""

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clock import Clock
from bot.domain.gazetteer import Gazetteer
from bot.filters import Inline
from bot.settings import Settings
from bot.ui.links import read_card_link
from handlers.resident.cards import send_card
from handlers.resident.places import ask_place
from storage.models import User


async def cmd_start(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    user: User,
    state: FSMContext,
    settings: Settings,
    gazetteer: Gazetteer,
    clock: Clock,
    bot: Bot,
) -> None:
    """User sends /start [p_<id>[_<tag>]] → bot greets, opens the linked card (its Follow
    records the tag), asks where they live."""
    link = read_card_link(command.args)
    if link is not None:
        campaign_id, source = link.campaign_id, link.source
        if user.has_location:
            if not await send_card(
                message, campaign_id, session, user, settings, gazetteer, clock, bot, source
            ):
                await message.answer(_("stale"))
            return
        await message.answer(_("start.greeting"))
        if not await send_card(
            message, campaign_id, session, user, settings, gazetteer, clock, bot, source
        ):
            await message.answer(_("stale"))
        await ask_place(message, state)
        return
    await ask_place(message, state, intro=_("start.greeting"))  # one message, not two


HELP_BY_ROLE = (
    ("holder", "help.holder"),
    ("coordinator", "help.coordinator"),
    ("admin", "help.admin"),
)


async def cmd_help(message: Message, roles: frozenset[str] = frozenset()) -> None:
    """User sends /help → bot lists what it can do, with the commands of their roles."""
    parts = [_("help.text")] + [_(key) for role, key in HELP_BY_ROLE if role in roles]
    await message.answer("\n\n".join(parts))


async def on_unknown_text(message: Message) -> None:
    """Text no handler took → bot says what it understands."""
    await message.answer(_("unknown.text"))


async def on_unknown_message(message: Message) -> None:
    """A sticker, photo or other content no handler took → bot says what it understands."""
    await message.answer(_("unknown.text"))


async def on_stale_callback(query: CallbackQuery) -> None:
    """A button whose data no handler accepted (old, forged, garbage) → "no longer available"."""
    await query.answer(_("stale"), show_alert=True)


def create_router() -> Router:
    router = Router(name="common")
    router.message.register(cmd_start, CommandStart())
    router.message.register(cmd_help, Command("help"))
    return router


def create_fallback_router() -> Router:
    router = Router(name="fallback")
    router.message.register(on_unknown_text, Inline(F.text))
    router.message.register(on_unknown_message)
    router.callback_query.register(on_stale_callback)
    return router
