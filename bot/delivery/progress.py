"""The one way a campaign's raised amount and backer count change: imports, holders' reports
and (later) platform syncs."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery import milestones
from storage.models import Campaign
from storage.repo import progress


async def record_progress(
    session: AsyncSession,
    campaign: Campaign,
    raised_cents: int,
    backers: int,
    now: datetime,
    tz: str,
    *,
    source: str = progress.IMPORT,
    by_user: int | None = None,
) -> int | None:
    """Set the new figures, keep them in the progress history when they changed, and queue the
    alert of a milestone they cross, in the same transaction. Returns that milestone, if any.

    `source` says where the figures came from ("holder", "import", "sync"); `by_user`, who
    typed them. A campaign not written yet (no id: an import's new rows) has no history here:
    its first figures are kept by whoever writes it (bot.imports.importer)."""
    old_raised = campaign.raised_cents or 0
    changed = (campaign.raised_cents, campaign.backers) != (raised_cents, backers)
    campaign.raised_cents = raised_cents
    campaign.backers = backers
    if changed and campaign.id is not None:
        progress.add_point(session, campaign.id, raised_cents, backers, now, source, by_user)
    return await milestones.detect(session, campaign, old_raised, now, tz)
