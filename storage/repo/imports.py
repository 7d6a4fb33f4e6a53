"""Queries for the campaign importer."""

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage.models import Campaign

# Bound parameters per IN (...): well under SQLite's and asyncpg's limits.
CHUNK = 500


async def campaigns_by_external_id(
    session: AsyncSession, source: str, external_ids: Iterable[str]
) -> dict[str, Campaign]:
    """The source's campaigns with these external ids, rewards loaded, by external id."""
    wanted = list(dict.fromkeys(external_ids))
    found: dict[str, Campaign] = {}
    for start in range(0, len(wanted), CHUNK):
        query = (
            select(Campaign)
            .options(selectinload(Campaign.rewards))
            .where(
                Campaign.source == source,
                Campaign.external_id.in_(wanted[start : start + CHUNK]),
            )
        )
        found.update((c.external_id, c) for c in await session.scalars(query))
    return found
