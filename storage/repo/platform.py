"""Queries of the platform sync: operations to read, and the projects left unplaced (an
operation's territory: storage.repo.operations.areas_of)."""

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Campaign, Operation, UnplacedProject
from storage.repo.writes import updated

CHUNK = 500  # bound parameters per IN (...)


async def operations_due(session: AsyncSession, tried_before: datetime) -> list[int]:
    """Operations with a sync source not tried since `tried_before` (or never), oldest first."""
    rows = await session.scalars(
        select(Operation.id)
        .where(
            Operation.sync_source.is_not(None),
            Operation.sync_source != "",
            or_(Operation.sync_tried_at.is_(None), Operation.sync_tried_at <= tried_before),
        )
        .order_by(Operation.sync_tried_at.is_not(None), Operation.sync_tried_at, Operation.id)
    )
    return list(rows)


async def claim(
    session: AsyncSession, operation_id: int, tried_before: datetime, now: datetime
) -> bool:
    """Mark the operation's sync as tried now, unless another process did since `tried_before`:
    True when this one may sync it (two bot processes never read the same operation at once).
    The last error is cleared, so that a run in progress reads as one (see `claim_now`)."""
    result = await session.execute(
        update(Operation)
        .where(
            Operation.id == operation_id,
            or_(Operation.sync_tried_at.is_(None), Operation.sync_tried_at <= tried_before),
        )
        .values(sync_tried_at=now, sync_error=None)
        .execution_options(synchronize_session=False)
    )
    return updated(result) == 1


async def claim_now(
    session: AsyncSession, operation_id: int, now: datetime, stale_before: datetime
) -> bool:
    """A coordinator's "Sync now": claim the operation (as `claim` does) unless a run of it is in
    progress. A run in progress was claimed and has not finished: it has neither succeeded
    (`synced_at` is its `sync_tried_at`) nor failed (`sync_error`). One claimed before
    `stale_before` is taken as dead (its process stopped), as the scheduler takes it.
    False also when the operation has no sync source."""
    finished = or_(
        Operation.sync_tried_at.is_(None),
        Operation.synced_at == Operation.sync_tried_at,
        Operation.sync_error.is_not(None),
        Operation.sync_tried_at <= stale_before,
    )
    result = await session.execute(
        update(Operation)
        .where(
            Operation.id == operation_id,
            Operation.sync_source.is_not(None),
            Operation.sync_source != "",
            finished,
        )
        .values(sync_tried_at=now, sync_error=None)
        .execution_options(synchronize_session=False)
    )
    return updated(result) == 1


async def unplaced_by_external_id(
    session: AsyncSession, source: str, external_ids: Sequence[str]
) -> dict[str, UnplacedProject]:
    found: dict[str, UnplacedProject] = {}
    for start in range(0, len(external_ids), CHUNK):
        rows = await session.scalars(
            select(UnplacedProject).where(
                UnplacedProject.source == source,
                UnplacedProject.external_id.in_(external_ids[start : start + CHUNK]),
            )
        )
        found.update((row.external_id, row) for row in rows)
    return found


async def forget_unplaced(session: AsyncSession, source: str, external_ids: Iterable[str]) -> None:
    """Drop these projects from the unplaced list (they are campaigns now)."""
    ids = list(external_ids)
    for start in range(0, len(ids), CHUNK):
        await session.execute(
            delete(UnplacedProject)
            .where(
                UnplacedProject.source == source,
                UnplacedProject.external_id.in_(ids[start : start + CHUNK]),
            )
            .execution_options(synchronize_session=False)
        )


async def placed_by_hand(session: AsyncSession, operation_id: int, source: str) -> list[str]:
    """External ids of the operation's unplaced projects that became campaigns since (a
    coordinator placed them by hand)."""
    rows = await session.scalars(
        select(UnplacedProject.external_id)
        .join(
            Campaign,
            (Campaign.source == UnplacedProject.source)
            & (Campaign.external_id == UnplacedProject.external_id),
        )
        .where(UnplacedProject.operation_id == operation_id, UnplacedProject.source == source)
    )
    return list(rows)


async def unplaced(session: AsyncSession, operation_id: int) -> list[UnplacedProject]:
    """The operation's projects waiting to be placed by hand, the most recently seen first."""
    rows = await session.scalars(
        select(UnplacedProject)
        .where(UnplacedProject.operation_id == operation_id)
        .order_by(UnplacedProject.seen_at.desc(), UnplacedProject.id)
    )
    return list(rows)


async def unplaced_count(session: AsyncSession, operation_id: int) -> int:
    found = await session.scalar(
        select(func.count())
        .select_from(UnplacedProject)
        .where(UnplacedProject.operation_id == operation_id)
    )
    return int(found or 0)


async def get_unplaced(session: AsyncSession, row_id: int) -> UnplacedProject | None:
    return await session.get(UnplacedProject, row_id)
