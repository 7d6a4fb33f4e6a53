"""What changed since a revision: the counters kept by the database (migration 0005) and the
rows they number, for the in-memory read models (bot.read_models)."""

from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Campaign, Revision, User
from storage.repo.campaigns import LIST_COLUMNS

# The campaign fields a list shows or filters on, in bot.campaign_index.CampaignIndex's order.
INDEX_COLUMNS = (*LIST_COLUMNS, Campaign.category)


async def counters(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(Revision.name, Revision.value))
    return {name: value for name, value in rows}


async def campaign_rows(
    session: AsyncSession, after: int | None = None, upto: int | None = None, chunk: int = 2_000
) -> AsyncIterator[Row[Any]]:
    """The list fields of every campaign, or of those written in revisions (after, upto].

    Read by pages of ids: 50,000 rows at once (a first load, a large import) would briefly take
    several times the memory that the index keeps."""
    written = []
    if after is not None and upto is not None:
        written = [Campaign.revision > after, Campaign.revision <= upto]
    last_id = 0
    while True:
        query = select(*INDEX_COLUMNS).where(Campaign.id > last_id, *written)
        rows = (await session.execute(query.order_by(Campaign.id).limit(chunk))).all()
        for row in rows:
            yield row
        if len(rows) < chunk:
            return
        last_id = rows[-1].id


async def campaign_ids(session: AsyncSession) -> set[int]:
    return set((await session.scalars(select(Campaign.id))).all())


async def user_ids_written(session: AsyncSession, after: int, upto: int) -> list[int]:
    query = select(User.id).where(User.revision > after, User.revision <= upto)
    return list((await session.scalars(query)).all())
