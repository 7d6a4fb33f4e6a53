"""Opening an invitation link (`/start h_<token>`) makes the opener a holder of its campaign.

Its router comes before `common` (which takes every other /start) and carries no role filter:
the opener is not a holder yet. Writing the holding drops the user from the user cache, so the
holder role shows from their next update on."""

from html import escape

from aiogram import F, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clock import Clock
from bot.ui.links import INVITATION, read_invitation
from handlers.coordinator.invitations import claim_coordinator
from storage.models import Campaign, User
from storage.repo import holders, invitations
from storage.repo.invitations import Claim

REFUSALS = {
    Claim.UNKNOWN: "invite.unknown",
    Claim.EXPIRED: "invite.expired",
    Claim.USED: "invite.used",
    Claim.REVOKED: "invite.revoked",
}


async def cmd_claim(
    message: Message, command: CommandObject, session: AsyncSession, user: User, clock: Clock
) -> None:
    """User opens an invitation link → they become a holder of its campaign, or are told why
    not (unknown, expired, used, revoked), and nothing changes."""
    now = clock()
    token = read_invitation(command.args)
    invitation = await invitations.find(session, token) if token else None
    if invitation is not None and invitation.campaign_id is None:
        await claim_coordinator(message, invitation, session, user, now)  # an operation's
        return
    campaign = await session.get(Campaign, invitation.campaign_id) if invitation else None
    if invitation is None or campaign is None or invitation.role != "holder":
        await message.answer(_("invite.unknown"))
        return
    refused = invitations.state_of(invitation, now)
    if refused is None and await holders.holds(session, user.id, campaign.id):
        # Already a holder: the link is left for whom it was meant.
        await message.answer(_("invite.already").format(title=escape(campaign.title)))
        return
    claim = await invitations.claim(session, invitation, user.id, now)
    if claim is not Claim.CLAIMED:
        await message.answer(_(REFUSALS[claim]))
        return
    await holders.add(session, user.id, campaign.id, invitation.created_by, now)
    await message.answer(_("invite.claimed").format(title=escape(campaign.title)))


def create_router() -> Router:
    router = Router(name="invitations")
    router.message.register(
        cmd_claim, CommandStart(deep_link=True, magic=F.args.startswith(INVITATION))
    )
    return router
