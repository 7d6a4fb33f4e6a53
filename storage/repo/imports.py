"""Queries for the campaign importer."""

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.geo import cell_of
from storage.models import Campaign, Reward
from storage.repo.writes import updated

# Bound parameters per IN (...): well under SQLite's and asyncpg's limits.
CHUNK = 500
# Rows per page when walking the whole table.
PAGE = 5000

# (id, source, external_id, title, holder, commune_insee, starts_at)
Identity = tuple[int, str, str, str, str, str | None, datetime]


async def campaigns_by_external_id(
    session: AsyncSession, source: str, external_ids: Iterable[str]
) -> dict[str, Campaign]:
    """The source's campaigns with these external ids, by external id (rewards not loaded)."""
    if session.get_bind().dialect.name == "postgresql":
        # asyncpg prepares this query once per connection, and PostgreSQL may then keep a generic
        # plan made while an import's first batches found the table nearly empty: a full scan,
        # for every batch after (74 s instead of 20 for 50,000 new rows). Plan it each time.
        await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    wanted = list(dict.fromkeys(external_ids))
    found: dict[str, Campaign] = {}
    for start in range(0, len(wanted), CHUNK):
        query = select(Campaign).where(
            Campaign.source == source,
            Campaign.external_id.in_(wanted[start : start + CHUNK]),
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


async def insert_campaigns(
    session: AsyncSession, rows: Sequence[Mapping[str, Any]]
) -> dict[str, int]:
    """New campaigns of one source in multi-row INSERTs; their ids by external id.

    The ORM's unit of work inserts one row a statement on SQLite when it needs the ids back
    (50,000 statements for 50,000 campaigns); a Core INSERT ... RETURNING of many rows does
    not, and the ids are matched by external id, not by order. (The ORM's bulk INSERT would
    split the rows wherever their None-valued columns differ.) Core skips mapper events: `cell`
    is set here as `storage.models._place_in_cell` would."""
    if not rows:
        return {}
    values = [{**row, "cell": cell_of(row["lat"], row["lon"])} for row in rows]
    table = Campaign.metadata.tables[Campaign.__tablename__]
    query = insert(table).returning(table.c.external_id, table.c.id)
    return {external_id: id_ for external_id, id_ in await session.execute(query, values)}


async def replace_rewards(
    session: AsyncSession, rewards: Mapping[int, Sequence[Mapping[str, Any]]]
) -> None:
    """Each campaign's rewards (by campaign id) replaced by the given ones, in bulk."""
    ids = list(rewards)
    for start in range(0, len(ids), CHUNK):
        query = delete(Reward).where(Reward.campaign_id.in_(ids[start : start + CHUNK]))
        await session.execute(query.execution_options(synchronize_session=False))
    values = [
        {**reward, "campaign_id": campaign_id, "position": position}
        for campaign_id, items in rewards.items()
        for position, reward in enumerate(items)
    ]
    if values:  # Core executemany: one statement for them all
        await session.execute(insert(Reward.metadata.tables[Reward.__tablename__]), values)


async def attach_source(session: AsyncSession, source: str, operation_id: int) -> int:
    """Every campaign of the source belongs to the operation (a file a coordinator sent to the
    bot for it); how many changed."""
    result = await session.execute(
        update(Campaign)
        .where(
            Campaign.source == source,
            or_(Campaign.operation_id.is_(None), Campaign.operation_id != operation_id),
        )
        .values(operation_id=operation_id)
        .execution_options(synchronize_session=False)
    )
    return updated(result)
