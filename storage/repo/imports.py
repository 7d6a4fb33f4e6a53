"""Queries for the campaign importer."""

from collections.abc import AsyncIterator, Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage.models import Campaign

# Bound parameters per IN (...): well under SQLite's and asyncpg's limits.
CHUNK = 500
# Rows per page when walking the whole table.
PAGE = 5000

# (id, source, external_id, title, holder, commune_insee, starts_at)
Identity = tuple[int, str, str, str, str, str | None, datetime]


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


async def campaign_identities(
    session: AsyncSession, except_source: str | None = None
) -> AsyncIterator[Identity]:
    """Every campaign's Identity but those of `except_source`, a page at a time (keyset by id:
    memory holds one page)."""
    last = 0
    while True:
        query = (
            select(
                Campaign.id,
                Campaign.source,
                Campaign.external_id,
                Campaign.title,
                Campaign.holder,
                Campaign.commune_insee,
                Campaign.starts_at,
            )
            .where(Campaign.id > last)
            .order_by(Campaign.id)
            .limit(PAGE)
        )
        if except_source is not None:
            query = query.where(Campaign.source != except_source)
        rows: list[Identity] = [tuple(row) for row in await session.execute(query)]  # type: ignore[misc]
        for row in rows:
            yield row
        if len(rows) < PAGE:
            return
        last = rows[-1][0]
