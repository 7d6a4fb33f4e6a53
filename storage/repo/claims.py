"""The delivery worker's side of the outbox: claims (leases), results, retries, blocked users."""

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Broadcast, Campaign, Operation, Outbox, OutboxStatus, Priority, User
from storage.repo.writes import updated

# The outbox's lanes, claimed in this order. One query a lane: ORDER BY priority, not_before
# made SQLite sort every pending row (it ranged over ix_outbox_status_not_before) at each claim.
LANES = (Priority.URGENT, Priority.BULK)


async def take_back(session: AsyncSession, claimed_before: datetime, keep: Collection[int]) -> int:
    """Rows in `sending` whose claim is older than `claimed_before` go back to pending: their
    worker is gone, since a live one renews its claims (renew). Rows in `keep` (the caller's
    own) stay. A message its dead worker sent but did not record goes out again: the only
    source of duplicates."""
    stale = (Outbox.status == OutboxStatus.SENDING) & (Outbox.claimed_at < claimed_before)
    if keep:
        stale &= Outbox.id.not_in(list(keep))
    result = await session.execute(
        update(Outbox).where(stale).values(status=OutboxStatus.PENDING.value, claimed_at=None)
    )
    return updated(result)


async def renew(session: AsyncSession, ids: Collection[int], now: datetime) -> None:
    """The worker still holds these claims (its lease on them starts again)."""
    if ids:
        await session.execute(
            update(Outbox)
            .where(Outbox.id.in_(list(ids)), Outbox.status == OutboxStatus.SENDING)
            .values(claimed_at=now)
        )


async def claim_due(session: AsyncSession, now: datetime, limit: int) -> list[Outbox]:
    """Mark `sending` every due row of the users behind the `limit` first due rows: the urgent
    lane before the bulk one (Outbox.priority), the oldest first within a lane.

    A user's rows are all claimed together so that they go out as one message. Rows another
    transaction holds (a user deleting their data) are left for a later claim: on PostgreSQL,
    waiting for them would hold back every other user of the batch (SQLite has one writer).
    """
    due = (Outbox.status == OutboxStatus.PENDING) & (Outbox.not_before <= now)
    user_ids: list[int] = []
    for lane in LANES:  # one indexed range a lane (ix_outbox_status_priority_not_before)
        first = await session.execute(
            select(Outbox.user_id)
            .where(due, Outbox.priority == lane)
            .order_by(Outbox.not_before, Outbox.id)
            .limit(limit - len(user_ids))
        )
        user_ids.extend(first.scalars())
        if len(user_ids) >= limit:
            break
    user_ids = list(dict.fromkeys(user_ids))
    if not user_ids:
        return []
    free = select(Outbox.id).where(due, Outbox.user_id.in_(user_ids))
    ids = await session.scalars(
        update(Outbox)
        .where(Outbox.id.in_(free.with_for_update(skip_locked=True)))
        .values(status=OutboxStatus.SENDING.value, claimed_at=now)
        .returning(Outbox.id)
    )
    claimed = list(ids)
    rows = await session.scalars(
        select(Outbox)
        .where(Outbox.id.in_(claimed))
        .order_by(Outbox.user_id, Outbox.due_at, Outbox.id)
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def users_by_id(session: AsyncSession, user_ids: Iterable[int]) -> dict[int, User]:
    ids = list(set(user_ids))
    if not ids:
        return {}
    users = await session.scalars(select(User).where(User.id.in_(ids)))
    return {user.id: user for user in users}


async def finish(
    session: AsyncSession,
    ids: Sequence[int],
    status: str,
    now: datetime,
    error: str | None = None,
    tried: bool = False,
) -> None:
    """Record a final status; `tried` counts one more attempt (an API call was made)."""
    if not ids:
        return
    values: dict[str, Any] = {"status": status, "finished_at": now, "last_error": _cut(error)}
    if tried:
        values["attempts"] = Outbox.attempts + 1
    await session.execute(update(Outbox).where(Outbox.id.in_(ids)).values(**values))


async def retry_later(
    session: AsyncSession, ids: Sequence[int], not_before: datetime, error: str
) -> None:
    """Back to pending after a transient failure, with one more attempt counted."""
    if not ids:
        return
    await session.execute(
        update(Outbox)
        .where(Outbox.id.in_(ids))
        .values(
            status=OutboxStatus.PENDING.value,
            not_before=not_before,
            attempts=Outbox.attempts + 1,
            last_error=_cut(error),
            claimed_at=None,
        )
    )


async def release(session: AsyncSession, ids: Sequence[int]) -> None:
    """Claimed rows the worker will not send after all (it is stopping): pending again."""
    if ids:
        await session.execute(
            update(Outbox)
            .where(Outbox.id.in_(ids), Outbox.status == OutboxStatus.SENDING)
            .values(status=OutboxStatus.PENDING.value, claimed_at=None)
        )


async def block_users(session: AsyncSession, user_ids: Sequence[int], now: datetime) -> int:
    """The users blocked the bot: remember it, and close their queued rows without a call."""
    if not user_ids:
        return 0
    await session.execute(update(User).where(User.id.in_(user_ids)).values(blocked_at=now))
    result = await session.execute(
        update(Outbox)
        .where(
            Outbox.user_id.in_(user_ids),
            or_(Outbox.status == OutboxStatus.PENDING, Outbox.status == OutboxStatus.SENDING),
        )
        .values(status=OutboxStatus.BLOCKED.value, finished_at=now, last_error="blocked")
    )
    return updated(result)


async def next_due(session: AsyncSession, lease: timedelta) -> datetime | None:
    """When the earliest pending row becomes due, or the earliest claim of another worker could
    be taken back (its lease ends); None when nothing is pending or in flight."""
    pending = await session.scalar(
        select(func.min(Outbox.not_before)).where(Outbox.status == OutboxStatus.PENDING)
    )
    claimed = await session.scalar(
        select(func.min(Outbox.claimed_at)).where(Outbox.status == OutboxStatus.SENDING)
    )
    times = [t for t in (pending, None if claimed is None else claimed + lease) if t is not None]
    return min(times) if times else None


def _cut(error: str | None) -> str | None:
    return None if error is None else error[:300]


async def campaign_figures(
    session: AsyncSession, campaign_ids: Iterable[int]
) -> dict[int, dict[str, int]]:
    """The current raised amount, goal and backers of these campaigns."""
    ids = list(set(campaign_ids))
    if not ids:
        return {}
    rows = await session.execute(
        select(Campaign.id, Campaign.raised_cents, Campaign.goal_cents, Campaign.backers).where(
            Campaign.id.in_(ids)
        )
    )
    return {
        row.id: {
            "raised_cents": row.raised_cents,
            "goal_cents": row.goal_cents,
            "backers": row.backers,
        }
        for row in rows
    }


async def broadcasts_by_id(
    session: AsyncSession, broadcast_ids: Iterable[int]
) -> dict[int, tuple[Broadcast, str]]:
    """These broadcasts with the name they go out under: their campaign's title (news) or their
    operation's name (announcements). Deleting either took its broadcasts with it."""
    ids = list(set(broadcast_ids))
    if not ids:
        return {}
    rows = await session.execute(
        select(Broadcast, func.coalesce(Campaign.title, Operation.name))
        .outerjoin(Campaign, Campaign.id == Broadcast.campaign_id)
        .outerjoin(Operation, Operation.id == Broadcast.operation_id)
        .where(Broadcast.id.in_(ids))
    )
    return {broadcast.id: (broadcast, name or "") for broadcast, name in rows}
