"""The door of the holder's dialogues (news, progress, edits): the campaign they touch is checked
against the user on the server, at every step that writes, whatever a button or the dialogue's
data said. (handlers.holder.access answers a refused press itself; these checks stay silent so
that a typed message can be answered too.)"""

from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.settings import Settings
from bot.ui.callbacks import HolderMenu
from handlers.holder.access import managed_campaign
from storage.models import Campaign, User
from storage.repo import campaigns, holders


async def managed(
    session: AsyncSession, user: User, settings: Settings, campaign_id: int | None
) -> Campaign | None:
    """The campaign, if the user may act on it as its holder (or as an admin); else None."""
    if campaign_id is None:
        return None
    if not await holders.may_manage(session, user.id, campaign_id, settings.admin_ids):
        return None
    return await campaigns.get(session, campaign_id)


async def refuse(event: Message | CallbackQuery) -> None:
    """Say no, in the user's language; nothing was changed."""
    if isinstance(event, CallbackQuery):
        await event.answer(_("holder.form.refused"), show_alert=True)
    else:
        await event.answer(_("holder.form.refused"))


async def pick_campaign(
    message: Message, session: AsyncSession, user: User, action: str
) -> int | None:
    """The campaign a command is about: the holder's only one, else None after asking which
    (one HolderMenu button a campaign, as /myprojects has), or after saying they hold none."""
    ids = await holders.campaigns_of(session, user.id)
    if len(ids) == 1:
        return ids[0]
    if not ids:
        await message.answer(_("holder.form.no_campaign"))
        return None
    rows = []
    for campaign_id in ids:
        campaign = await session.get(Campaign, campaign_id)
        if campaign is not None:
            data = HolderMenu(action=action, id=campaign_id).pack()
            rows.append([InlineKeyboardButton(text=campaign.title, callback_data=data)])
    await message.answer(
        _("holder.form.pick_campaign"), reply_markup=InlineKeyboardMarkup(inline_keyboard=rows)
    )
    return None


async def menu_press(
    query: CallbackQuery, campaign_id: int, session: AsyncSession, user: User, settings: Settings
) -> tuple[Message, Campaign] | None:
    """A /myprojects button pressed: the campaign, if the user may manage it, and the message
    to answer under; otherwise the press is refused (handlers.holder.access) and None."""
    campaign = await managed_campaign(query, campaign_id, session, user, settings)
    if campaign is None:
        return None
    if not isinstance(query.message, Message):
        await refuse(query)
        return None
    await query.answer()
    return query.message, campaign
