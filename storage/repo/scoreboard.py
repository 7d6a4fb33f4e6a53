"""What an operation's scoreboard reads: its campaigns' figures, their progress history, and
which operations have a scoreboard to show."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Campaign, Operation, ProgressPoint

FIGURES = (
    Campaign.id,
    Campaign.title,
    Campaign.holder,
    Campaign.commune_insee,
    Campaign.category,
    Campaign.goal_cents,
    Campaign.raised_cents,
    Campaign.backers,
    Campaign.starts_at,
    Campaign.ends_at,
    Campaign.cancelled_at,
    Campaign.url,
)


async def campaigns(session: AsyncSession, operation_id: int) -> Sequence[Any]:
    """The operation's campaigns as rows of FIGURES (by name: row.title), by id."""
    rows = await session.execute(
        select(*FIGURES).where(Campaign.operation_id == operation_id).order_by(Campaign.id)
    )
    return rows.all()


async def raised_points(
    session: AsyncSession, operation_id: int
) -> list[tuple[datetime, int, int]]:
    """(at, campaign id, raised) of the operation's progress history, in time order."""
    rows = await session.execute(
        select(ProgressPoint.at, ProgressPoint.campaign_id, ProgressPoint.raised_cents)
        .join(Campaign, Campaign.id == ProgressPoint.campaign_id)
        .where(Campaign.operation_id == operation_id)
        .order_by(ProgressPoint.at, ProgressPoint.id)
    )
    return [(at, campaign_id, raised) for at, campaign_id, raised in rows]


async def shown(session: AsyncSession, coordinated: list[int]) -> list[Operation]:
    """The operations with a scoreboard: those with campaigns, and those the user coordinates;
    the latest launch first."""
    has_campaigns = exists().where(Campaign.operation_id == Operation.id)
    rows = await session.scalars(
        select(Operation)
        .where(or_(has_campaigns, Operation.id.in_(coordinated or [0])))
        .order_by(Operation.launch_at.desc(), Operation.id.desc())
    )
    return list(rows)
