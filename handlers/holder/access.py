"""The check every holder action makes on the campaign it is about to touch."""

from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.settings import Settings
from storage.models import Campaign, User
from storage.repo import campaigns
from storage.repo.holders import may_manage


async def managed_campaign(
    query: CallbackQuery, campaign_id: int, session: AsyncSession, user: User, settings: Settings
) -> Campaign | None:
    """The campaign, if this user may manage it (one of its holders, or an admin). Otherwise the
    press is refused, in the user's language, and None is returned: the caller changes nothing."""
    if not await may_manage(session, user.id, campaign_id, settings.admin_ids):
        await query.answer(_("holder.form.refused"), show_alert=True)
        return None
    campaign = await campaigns.get(session, campaign_id)
    if campaign is None:
        await query.answer(_("stale"), show_alert=True)
    return campaign


async def administered_campaign(
    query: CallbackQuery, campaign_id: int, session: AsyncSession, user: User, settings: Settings
) -> Campaign | None:
    """The campaign, for an admin only (inviting, removing holders, revoking invitations);
    anyone else is refused and None is returned."""
    if user.id not in settings.admin_ids:
        await query.answer(_("holder.admins_only"), show_alert=True)
        return None
    return await managed_campaign(query, campaign_id, session, user, settings)
