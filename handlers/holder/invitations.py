"""A campaign's holders and invitations: admins invite, remove and revoke; holders may look."""

from aiogram import Bot, F, Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clock import Clock
from bot.settings import Settings
from bot.ui.callbacks import HolderMenu, HolderRevoke, InvitationRevoke
from bot.ui.dashboard import invitation_text, team_keyboard, team_text
from bot.ui.links import invitation_link
from handlers.holder.access import administered_campaign, managed_campaign
from storage.models import Campaign, User
from storage.repo import holders, invitations


async def show_team(
    query: CallbackQuery,
    campaign: Campaign,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
) -> None:
    if not isinstance(query.message, Message):
        return
    team = await holders.holders_of(session, campaign.id)
    pending = await invitations.pending(session, campaign.id, clock())
    text = team_text(campaign, team, pending, settings.timezone)
    markup = team_keyboard(campaign.id, team, pending, user.id in settings.admin_ids)
    await query.message.edit_text(text, reply_markup=markup)


async def on_team(
    query: CallbackQuery,
    callback_data: HolderMenu,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
) -> None:
    """Holder taps Holders → bot lists the campaign's holders and pending invitations."""
    campaign = await managed_campaign(query, callback_data.id, session, user, settings)
    if campaign is None:
        return
    await query.answer()
    await show_team(query, campaign, session, user, settings, clock)


async def on_invite(
    query: CallbackQuery,
    callback_data: HolderMenu,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    bot: Bot,
) -> None:
    """Admin taps Invite a holder → bot sends a single-use link that makes its opener a holder."""
    campaign = await administered_campaign(query, callback_data.id, session, user, settings)
    if campaign is None:
        return
    token, invitation = await invitations.create(
        session,
        campaign_id=campaign.id,
        created_by=user.id,
        now=clock(),
        days=settings.invitation_days,
    )
    me = await bot.me()
    link = invitation_link(me.username or "", token)
    await query.answer()
    await bot.send_message(
        user.id, invitation_text(campaign, link, invitation.expires_at, settings.timezone)
    )


async def on_remove_holder(
    query: CallbackQuery,
    callback_data: HolderRevoke,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
) -> None:
    """Admin removes a holder → they no longer manage the campaign; the list is shown again."""
    campaign = await administered_campaign(query, callback_data.id, session, user, settings)
    if campaign is None:
        return
    removed = await holders.remove(session, callback_data.user, campaign.id)
    await query.answer(_("holder.team.removed") if removed else _("stale"), show_alert=not removed)
    await show_team(query, campaign, session, user, settings, clock)


async def on_revoke_invitation(
    query: CallbackQuery,
    callback_data: InvitationRevoke,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
) -> None:
    """Admin revokes an invitation → its link no longer works; the list is shown again."""
    campaign = await administered_campaign(query, callback_data.id, session, user, settings)
    if campaign is None:
        return
    revoked = await invitations.revoke(session, callback_data.inv, campaign.id, clock())
    await query.answer(_("holder.team.revoked") if revoked else _("stale"), show_alert=not revoked)
    await show_team(query, campaign, session, user, settings, clock)


def create_router() -> Router:
    router = Router(name="holder-invitations")
    router.callback_query.register(on_team, HolderMenu.filter(F.action == "holders"))
    router.callback_query.register(on_invite, HolderMenu.filter(F.action == "invite"))
    router.callback_query.register(on_remove_holder, HolderRevoke.filter())
    router.callback_query.register(on_revoke_invitation, InvitationRevoke.filter())
    return router
