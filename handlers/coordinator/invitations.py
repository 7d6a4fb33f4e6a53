"""Coordinators invited by a link: an admin makes a single-use link for an operation (from its
card); whoever opens it (`/start h_<token>`, handled by handlers.invitations) is appointed and
assigned to that operation. Same tokens as holders' invitations (storage.repo.invitations), with
role "coordinator" and the operation's id."""

from datetime import datetime
from html import escape

from aiogram import Bot
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.settings import Settings
from bot.ui import formatting
from bot.ui.links import invitation_link
from bot.ui.progress import locale
from storage.models import Invitation, Operation, User
from storage.repo import invitations, operations
from storage.repo.invitations import Claim


async def invite(
    message: Message,
    operation: Operation,
    session: AsyncSession,
    user: User,
    settings: Settings,
    now: datetime,
    bot: Bot,
) -> None:
    """A new coordinator's link for the operation (the caller checked the user is an admin)."""
    token, invitation = await invitations.create(
        session,
        campaign_id=None,
        created_by=user.id,
        now=now,
        days=settings.invitation_days,
        role=operations.COORDINATOR_ROLE,
        operation_id=operation.id,
    )
    me = await bot.me()
    await message.answer(
        _("coordinators.invite.created").format(
            name=escape(operation.name),
            link=invitation_link(me.username or "", token),
            until=formatting.datetime(invitation.expires_at, locale(), settings.timezone),
        )
    )


async def claim_coordinator(
    message: Message, invitation: Invitation, session: AsyncSession, user: User, now: datetime
) -> None:
    """The opener of a coordinator's link becomes a coordinator of its operation, or is told why
    not (unknown, expired, used, revoked); nothing changes then."""
    operation_id = invitation.operation_id
    operation = await operations.get(session, operation_id) if operation_id else None
    if invitation.role != operations.COORDINATOR_ROLE:
        operation = None
    if operation is None:
        await message.answer(_("invite.unknown"))
        return
    name = escape(operation.name)
    if invitations.state_of(invitation, now) is None and await operations.may_coordinate(
        session, user.id, operation.id, ()
    ):
        # Already its coordinator: the link is left for whom it was meant.
        await message.answer(_("coordinators.invite.already").format(name=name))
        return
    claim = await invitations.claim(session, invitation, user.id, now)
    if claim is not Claim.CLAIMED:
        await message.answer(_(f"invite.{claim.value}"))
        return
    await operations.join(session, user.id, operation.id)
    await message.answer(_("coordinators.invite.claimed").format(name=name))
