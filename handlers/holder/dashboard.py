"""/myprojects: a holder's campaigns with their figures, each with its menu."""

from datetime import timedelta

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clock import Clock
from bot.settings import Settings
from bot.ui.callbacks import FollowFrom, FollowToggle, HolderMenu
from bot.ui.dashboard import dashboard_text, menu_keyboard
from handlers.holder.access import managed_campaign
from storage.models import User
from storage.repo import holders

RECENT = timedelta(days=7)  # "joined this week": the last seven days
SHOWN = 10  # campaigns sent by one /myprojects, one message each


async def cmd_myprojects(
    message: Message, session: AsyncSession, user: User, settings: Settings, clock: Clock
) -> None:
    """Holder sends /myprojects → bot sends one dashboard per campaign they hold, with its menu."""
    held = await holders.campaigns_held(session, user.id)
    if not held:
        admin = user.id in settings.admin_ids
        await message.answer(_("holder.none_admin") if admin else _("holder.none"))
        return
    now = clock()
    audiences = await holders.audiences(session, [c.id for c in held[:SHOWN]], now - RECENT)
    admin = user.id in settings.admin_ids
    for campaign in held[:SHOWN]:
        text = dashboard_text(campaign, audiences[campaign.id], now, settings.timezone)
        await message.answer(text, reply_markup=menu_keyboard(campaign.id, admin))
    if len(held) > SHOWN:
        more = len(held) - SHOWN
        await message.answer(ngettext("holder.more", "holder.more_plural", more).format(count=more))


async def on_menu(
    query: CallbackQuery,
    callback_data: HolderMenu,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
) -> None:
    """Holder (or admin, from a card) opens a campaign's menu → bot shows its dashboard in place."""
    campaign = await managed_campaign(query, callback_data.id, session, user, settings)
    if campaign is None or not isinstance(query.message, Message):
        return
    now = clock()
    audience = (await holders.audiences(session, [campaign.id], now - RECENT))[campaign.id]
    text = dashboard_text(campaign, audience, now, settings.timezone)
    markup = menu_keyboard(campaign.id, user.id in settings.admin_ids)
    await query.answer()
    if is_card(query.message) or query.message.text is None:
        await query.message.answer(text, reply_markup=markup)  # the card (or poster) stays
    else:
        await query.message.edit_text(text, reply_markup=markup)


def is_card(message: Message) -> bool:
    """A campaign's card (an admin's Manage button is on it): it has a Follow button."""
    markup = message.reply_markup
    rows = markup.inline_keyboard if markup is not None else []
    follows = (FollowToggle.__prefix__ + ":", FollowFrom.__prefix__ + ":")
    return any((button.callback_data or "").startswith(follows) for row in rows for button in row)


def create_router() -> Router:
    router = Router(name="holder-dashboard")
    router.message.register(cmd_myprojects, Command("myprojects"))
    router.callback_query.register(on_menu, HolderMenu.filter(F.action == "menu"))
    return router
