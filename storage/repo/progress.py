"""A campaign's progress history: each change of raised amount and backers, with when and from
where, for "+350 € this week" on its card."""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ScalarSelect, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ProgressPoint

HOLDER = "holder"
IMPORT = "import"
SYNC = "sync"


def add_point(
    session: AsyncSession,
    campaign_id: int,
    raised_cents: int,
    backers: int,
    at: datetime,
    source: str,
    by_user: int | None = None,
) -> None:
    """Keep the campaign's new figures (written at the next flush)."""
    session.add(
        ProgressPoint(
            campaign_id=campaign_id,
            at=at,
            raised_cents=raised_cents,
            backers=backers,
            source=source,
            by_user=by_user,
        )
    )


async def add_points(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """Many points in one multi-row INSERT (an import's new campaigns): each row has
    campaign_id, at, raised_cents, backers, source."""
    if rows:
        await session.execute(insert(ProgressPoint), list(rows))


def raised_at_query(campaign_id: Any, at: Any) -> ScalarSelect[int]:
    """The raised amount at the last point at or before `at` (NULL when none): one index seek
    on (campaign_id, at). Values, or bound parameters."""
    return (
        select(ProgressPoint.raised_cents)
        .where(ProgressPoint.campaign_id == campaign_id, ProgressPoint.at <= at)
        .order_by(ProgressPoint.at.desc(), ProgressPoint.id.desc())
        .limit(1)
        .scalar_subquery()
    )


async def raised_at(session: AsyncSession, campaign_id: int, at: datetime) -> int | None:
    """The raised amount as it stood at `at`, if the history goes back that far."""
    value: int | None = await session.scalar(select(raised_at_query(campaign_id, at)))
    return value


async def history(session: AsyncSession, campaign_id: int) -> list[ProgressPoint]:
    """The campaign's points, oldest first."""
    rows = await session.scalars(
        select(ProgressPoint)
        .where(ProgressPoint.campaign_id == campaign_id)
        .order_by(ProgressPoint.at, ProgressPoint.id)
    )
    return list(rows)
