"""Milestones: 25, 50, 75, 100 % of the goal, then 150, 200, 300 %, each alerted once.

`campaign.last_milestone` is the highest milestone recorded as crossed. A change alerts only for
milestones above both it and the old percent; several crossed at once alert only the highest (the
others are recorded as crossed); going down never re-alerts. Alerts are queued only while the
campaign is live: after the end, the result alert tells the outcome.
"""

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.alerts import Deliveries, outbox_rows, write
from bot.domain.alert_times import Alert
from bot.domain.campaigns import Status, status_at
from bot.ui.formatting import percent
from storage.models import Campaign
from storage.repo import alerts as repo

MILESTONES = (25, 50, 75, 100, 150, 200, 300)


def reached(pct: int) -> int:
    """The highest milestone at or below this percent, 0 below the first."""
    return max((m for m in MILESTONES if m <= pct), default=0)


def to_alert(last: int, old_pct: int, new_pct: int) -> int | None:
    """The milestone to alert for when the percent goes from old to new, if any."""
    highest = reached(new_pct)
    return highest if highest > max(last, old_pct) else None


def content(campaign: Campaign, milestone: int) -> dict[str, Any]:
    return {
        "campaign": campaign.id,
        "title": campaign.title,
        "milestone": milestone,
        "goal_cents": campaign.goal_cents,
        "raised_cents": campaign.raised_cents,
        "backers": campaign.backers,
    }


async def detect(
    session: AsyncSession, campaign: Campaign, old_raised_cents: int, now: datetime, tz: str
) -> int | None:
    """Record the milestones the campaign's new figures crossed; queue the alert. No commit."""
    goal = campaign.goal_cents or 0
    new_pct = percent(campaign.raised_cents or 0, goal)
    last = campaign.last_milestone or 0
    milestone = to_alert(last, percent(old_raised_cents, goal), new_pct)
    campaign.last_milestone = max(last, reached(new_pct))
    if milestone is None or campaign.id is None:
        return None
    if status_at(campaign.starts_at, campaign.ends_at, now) is not Status.LIVE:
        return None
    alert = Alert(
        "milestone",
        f"milestone:{milestone}:{campaign.id}",
        campaign.id,
        now,
        content(campaign, milestone),
    )
    followers = await repo.followers(session, [campaign.id])
    rows = outbox_rows(alert, followers, now=now, deliveries=Deliveries(tz))
    await write(session, rows)
    return milestone
