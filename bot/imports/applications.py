"""An approved application becomes an upcoming campaign of its operation, held by its applicant.

The campaign's source is "application" and its external id the application's, so it is written
once; it starts on the operation's launch day and ends with its window, at the town hall of the
applicant's commune. Figures start at zero (a sync or the holder's reports move them).
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import applications as rules
from bot.domain.gazetteer import Gazetteer, normalise
from storage.models import Application, Campaign, Operation
from storage.repo import applications as repo
from storage.repo import holders

SOURCE = "application"
# Why an application cannot be approved yet (the coordinator is told, nothing changes).
NO_WINDOW = "no_window"
NO_POINT = "no_point"


@dataclass(frozen=True, slots=True)
class NotApproved:
    reason: str


async def approve(
    session: AsyncSession,
    application: Application,
    operation: Operation,
    gazetteer: Gazetteer,
    by_user: int,
    now: datetime,
) -> Campaign | NotApproved:
    """Write the campaign, make the applicant its holder, mark the application approved."""
    if operation.launch_at is None or operation.ends_at is None:
        return NotApproved(NO_WINDOW)
    commune = gazetteer.by_insee(application.commune_insee)
    point = gazetteer.point_for(commune) if commune else None
    if commune is None or point is None:
        return NotApproved(NO_POINT)
    words = (application.project_name, application.holder_name, commune.name)
    campaign = Campaign(
        source=SOURCE,
        external_id=str(application.id),
        title=application.project_name,
        holder=application.holder_name,
        description=application.description,
        category=application.category,
        commune_insee=commune.insee,
        lat=point[0],
        lon=point[1],
        goal_cents=application.goal_cents,
        raised_cents=0,
        backers=0,
        starts_at=operation.launch_at,
        ends_at=operation.ends_at,
        operation_id=operation.id,
        search_text=normalise(" ".join((*words, application.description))),
        created_at=now,
        updated_at=now,
    )
    session.add(campaign)
    await session.flush()
    await holders.add(session, application.applicant_id, campaign.id, by_user, now)
    repo.decide(application, rules.APPROVED, by_user, now, campaign_id=campaign.id)
    return campaign
