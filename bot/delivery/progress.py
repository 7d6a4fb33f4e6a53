"""The one way a campaign's raised amount and backer count change (imports, and later updates)."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery import milestones
from storage.models import Campaign


async def record_progress(
    session: AsyncSession,
    campaign: Campaign,
    raised_cents: int,
    backers: int,
    now: datetime,
    tz: str,
) -> None:
    """Set the new figures and queue the alert of a milestone they cross, in the same transaction.

    Every progress change (re-import now; holders and platform sync later) goes through here.
    """
    old_raised = campaign.raised_cents or 0
    campaign.raised_cents = raised_cents
    campaign.backers = backers
    await milestones.detect(session, campaign, old_raised, now, tz)
