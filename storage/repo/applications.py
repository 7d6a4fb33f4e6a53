"""Applications to calls for projects: the open calls, an applicant's applications, an
operation's moderation queue, and the decisions. No commit here.

Statuses are bot.domain.applications' (submitted, changes, approved, refused): storage imports
nothing from bot/, so they are repeated as plain strings.
"""

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Application, Operation, OperationCoordinator, User

SUBMITTED = "submitted"
QUEUE_SHOWN = 20  # applications listed at once in /moderation


async def open_calls(session: AsyncSession, now: datetime) -> list[Operation]:
    """The operations whose call takes applications now, the soonest to close first."""
    rows = await session.scalars(
        select(Operation)
        .where(Operation.call_opens_at <= now, Operation.call_closes_at > now)
        .order_by(Operation.call_closes_at, Operation.id)
    )
    return list(rows)


async def next_call(session: AsyncSession, now: datetime) -> Operation | None:
    """The operation whose call opens next, if one is known."""
    found: Operation | None = await session.scalar(
        select(Operation)
        .where(Operation.call_opens_at > now, Operation.call_closes_at > Operation.call_opens_at)
        .order_by(Operation.call_opens_at, Operation.id)
        .limit(1)
    )
    return found


async def create(
    session: AsyncSession,
    operation_id: int,
    applicant_id: int,
    fields: Mapping[str, object],
    now: datetime,
) -> Application:
    """A new submitted application; `fields` are Application's columns."""
    application = Application(
        operation_id=operation_id,
        applicant_id=applicant_id,
        status=SUBMITTED,
        created_at=now,
        updated_at=now,
        **fields,
    )
    session.add(application)
    await session.flush()
    return application


async def get(session: AsyncSession, application_id: int) -> Application | None:
    return await session.get(Application, application_id)


async def of_applicant(session: AsyncSession, user_id: int) -> list[tuple[Application, str]]:
    """The user's applications with their operation's name, the latest first."""
    rows = await session.execute(
        select(Application, Operation.name)
        .join(Operation, Operation.id == Application.operation_id)
        .where(Application.applicant_id == user_id)
        .order_by(Application.created_at.desc(), Application.id.desc())
    )
    return [(application, name) for application, name in rows]


async def queue(
    session: AsyncSession, operation_ids: Collection[int] | None, limit: int = QUEUE_SHOWN
) -> tuple[list[Application], int]:
    """Submitted applications of these operations (None: every operation), the oldest first:
    the first `limit` of them, and how many there are."""
    where = [Application.status == SUBMITTED]
    if operation_ids is not None:
        where.append(Application.operation_id.in_(list(operation_ids) or [0]))
    total = await session.scalar(select(func.count()).select_from(Application).where(*where))
    rows = await session.scalars(
        select(Application)
        .where(*where)
        .order_by(Application.updated_at, Application.id)
        .limit(limit)
    )
    return list(rows), int(total or 0)


async def coordinator_users(session: AsyncSession, operation_id: int) -> list[User]:
    """The operation's coordinators (still appointed), for their notices."""
    rows = await session.scalars(
        select(User)
        .join(OperationCoordinator, OperationCoordinator.user_id == User.id)
        .where(OperationCoordinator.operation_id == operation_id, User.coordinator.is_(True))
        .order_by(User.id)
    )
    return list(rows)


def resubmit(application: Application, fields: Mapping[str, object], now: datetime) -> None:
    """The applicant's edited application goes back to the queue."""
    for name, value in fields.items():
        setattr(application, name, value)
    application.status = SUBMITTED
    application.updated_at = now


def decide(
    application: Application,
    status: str,
    by_user: int,
    now: datetime,
    reason: str | None = None,
    campaign_id: int | None = None,
) -> None:
    """A coordinator's decision (approved, refused, changes), with its reason if any."""
    application.status = status
    application.reason = reason
    application.decided_by = by_user
    application.decided_at = now
    application.updated_at = now
    if campaign_id is not None:
        application.campaign_id = campaign_id


async def by_campaign(session: AsyncSession, campaign_ids: Sequence[int]) -> dict[int, Application]:
    """The approved applications behind these campaigns, by campaign id."""
    if not campaign_ids:
        return {}
    rows = await session.scalars(
        select(Application).where(Application.campaign_id.in_(list(campaign_ids)))
    )
    return {row.campaign_id: row for row in rows if row.campaign_id is not None}


async def counts(session: AsyncSession, operation_id: int) -> dict[str, int]:
    """How many of the operation's applications are in each status."""
    rows = await session.execute(
        select(Application.status, func.count())
        .where(Application.operation_id == operation_id)
        .group_by(Application.status)
    )
    return {status: count for status, count in rows}
