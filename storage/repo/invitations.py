"""Invitations: single-use links that make their opener a holder of a campaign.

The token is shown once, in the link; only its SHA-256 is stored, so a copy of the database
cannot be used to claim anything. Claiming is one conditional UPDATE: of two people opening the
same link at once, exactly one gets it.
"""

import hashlib
import secrets
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Invitation
from storage.repo.writes import updated

TOKEN_BYTES = 32  # 43 characters of base64url: with "h_", within a start parameter's 64


class Claim(StrEnum):
    """What opening an invitation link did."""

    CLAIMED = "claimed"
    UNKNOWN = "unknown"  # no such token (mistyped, cut, or its campaign deleted)
    EXPIRED = "expired"
    USED = "used"
    REVOKED = "revoked"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create(
    session: AsyncSession,
    *,
    campaign_id: int | None,
    created_by: int | None,
    now: datetime,
    days: int,
    role: str = "holder",
    operation_id: int | None = None,
) -> tuple[str, Invitation]:
    """A new invitation; returns its token (never stored) and the row."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    invitation = Invitation(
        token_hash=token_hash(token),
        role=role,
        campaign_id=campaign_id,
        operation_id=operation_id,
        created_by=created_by,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(invitation)
    await session.flush()
    return token, invitation


async def find(session: AsyncSession, token: str) -> Invitation | None:
    return await session.scalar(
        select(Invitation).where(Invitation.token_hash == token_hash(token))
    )


def state_of(invitation: Invitation, now: datetime) -> Claim | None:
    """Why the invitation can no longer be claimed, or None while it can."""
    if invitation.revoked_at is not None:
        return Claim.REVOKED
    if invitation.used_at is not None:
        return Claim.USED
    if invitation.expires_at <= now:
        return Claim.EXPIRED
    return None


async def claim(
    session: AsyncSession, invitation: Invitation, user_id: int, now: datetime
) -> Claim:
    """Mark the invitation used by `user_id` if it still may be (CLAIMED); else say why not."""
    refused = state_of(invitation, now)
    if refused is not None:
        return refused
    result = await session.execute(
        update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.used_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > now,
        )
        .values(used_at=now, used_by=user_id)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(invitation)
    if updated(result) != 1:  # someone else claimed it, or an admin revoked it, meanwhile
        return state_of(invitation, now) or Claim.USED
    return Claim.CLAIMED


async def pending(session: AsyncSession, campaign_id: int, now: datetime) -> list[Invitation]:
    """The campaign's invitations that may still be claimed, oldest first."""
    rows = await session.scalars(
        select(Invitation)
        .where(
            Invitation.campaign_id == campaign_id,
            Invitation.used_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > now,
        )
        .order_by(Invitation.created_at, Invitation.id)
    )
    return list(rows)


async def revoke(
    session: AsyncSession, invitation_id: int, campaign_id: int, now: datetime
) -> bool:
    """Revoke an unused invitation of this campaign; False if there was none to revoke."""
    result = await session.execute(
        update(Invitation)
        .where(
            Invitation.id == invitation_id,
            Invitation.campaign_id == campaign_id,
            Invitation.used_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    return updated(result) == 1
