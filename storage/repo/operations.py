"""Operations, their territory and coordinators: the one check every coordinator action makes
on the operation it touches (may_coordinate), and users.coordinator kept in step with
appointments."""

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Campaign, Operation, OperationArea, OperationCoordinator, User
from storage.repo.writes import insert_or_ignore, updated

# Codes per IN (...) list: a region has up to 5,000 communes, SQLite takes 32,766 parameters.
CHUNK = 2_000

AreaKey = tuple[str, str]  # (level, code), as bot.domain.territory.Area


@dataclass(frozen=True, slots=True)
class Attachable:
    """The campaigns of a territory: free to attach, already this operation's, another's."""

    free: int
    attached: int
    elsewhere: int


async def get(session: AsyncSession, operation_id: int) -> Operation | None:
    return await session.get(Operation, operation_id)


async def create(
    session: AsyncSession, fields: Mapping[str, object], areas: Iterable[AreaKey], created_by: int
) -> Operation:
    """A new operation with its territory; `fields` are Operation's columns."""
    operation = Operation(**fields, created_by=created_by)
    session.add(operation)
    await session.flush()
    await set_areas(session, operation.id, areas)
    return operation


async def areas_of(session: AsyncSession, operation_id: int) -> list[AreaKey]:
    rows = await session.execute(
        select(OperationArea.level, OperationArea.code).where(
            OperationArea.operation_id == operation_id
        )
    )
    return [(level, code) for level, code in rows]


async def set_areas(session: AsyncSession, operation_id: int, areas: Iterable[AreaKey]) -> None:
    """Replace the operation's territory."""
    await session.execute(delete(OperationArea).where(OperationArea.operation_id == operation_id))
    session.add_all(
        OperationArea(operation_id=operation_id, level=level, code=code)
        for level, code in dict.fromkeys(areas)
    )
    await session.flush()


async def listed(session: AsyncSession, user_id: int, is_admin: bool) -> list[Operation]:
    """The operations the user sees in /operations: every one for an admin, else theirs."""
    query = select(Operation).order_by(Operation.launch_at.desc(), Operation.id.desc())
    if not is_admin:
        query = query.join(
            OperationCoordinator, OperationCoordinator.operation_id == Operation.id
        ).where(OperationCoordinator.user_id == user_id)
    return list(await session.scalars(query))


async def campaign_counts(session: AsyncSession, operation_ids: Sequence[int]) -> dict[int, int]:
    if not operation_ids:
        return {}
    rows = await session.execute(
        select(Campaign.operation_id, func.count())
        .where(Campaign.operation_id.in_(operation_ids))
        .group_by(Campaign.operation_id)
    )
    return {operation_id: count for operation_id, count in rows if operation_id is not None}


# --- coordinators -------------------------------------------------------------------------------


async def may_coordinate(
    session: AsyncSession, user_id: int, operation_id: int, admin_ids: Collection[int]
) -> bool:
    """The user may act on this operation: an admin (any operation), or a coordinator assigned to
    it. Callback data is untrusted: every coordinator action calls this with the operation id it
    is about to touch, whatever the button said."""
    if user_id in admin_ids:
        return True
    found = await session.scalar(
        select(
            exists()
            .where(
                OperationCoordinator.user_id == user_id,
                OperationCoordinator.operation_id == operation_id,
            )
            .where(User.id == OperationCoordinator.user_id, User.coordinator.is_(True))
        )
    )
    return bool(found)


async def coordinators(session: AsyncSession) -> list[int]:
    """The appointed coordinators' ids, in order."""
    return list(
        await session.scalars(select(User.id).where(User.coordinator.is_(True)).order_by(User.id))
    )


async def appoint(session: AsyncSession, user_id: int) -> bool:
    """Make a known user a coordinator; False when no such user (they never wrote to the bot)."""
    user = await session.get(User, user_id)
    if user is None:
        return False
    user.coordinator = True
    await session.flush()
    return True


async def dismiss(session: AsyncSession, user_id: int) -> None:
    """No longer a coordinator: the flag goes, and every assignment with it."""
    await session.execute(
        delete(OperationCoordinator).where(OperationCoordinator.user_id == user_id)
    )
    await session.execute(update(User).where(User.id == user_id).values(coordinator=False))


async def assign(session: AsyncSession, operation_id: int, user_id: int) -> None:
    """Assign a coordinator to an operation (an appointed one: the caller checks)."""
    await insert_or_ignore(
        session,
        OperationCoordinator,
        [OperationCoordinator.operation_id, OperationCoordinator.user_id],
        operation_id=operation_id,
        user_id=user_id,
    )


async def unassign(session: AsyncSession, operation_id: int, user_id: int) -> None:
    await session.execute(
        delete(OperationCoordinator).where(
            OperationCoordinator.operation_id == operation_id,
            OperationCoordinator.user_id == user_id,
        )
    )


async def coordinators_of(
    session: AsyncSession, operation_ids: Sequence[int]
) -> dict[int, list[int]]:
    """Each operation's coordinators' ids."""
    found: dict[int, list[int]] = {operation_id: [] for operation_id in operation_ids}
    if not operation_ids:
        return found
    rows = await session.execute(
        select(OperationCoordinator.operation_id, OperationCoordinator.user_id)
        .where(OperationCoordinator.operation_id.in_(operation_ids))
        .order_by(OperationCoordinator.created_at, OperationCoordinator.user_id)
    )
    for operation_id, user_id in rows:
        found[operation_id].append(user_id)
    return found


async def operations_of(session: AsyncSession, user_id: int) -> list[int]:
    """The ids of the operations a coordinator is assigned to."""
    rows = await session.scalars(
        select(OperationCoordinator.operation_id)
        .where(OperationCoordinator.user_id == user_id)
        .order_by(OperationCoordinator.operation_id)
    )
    return list(rows)


# --- campaigns ----------------------------------------------------------------------------------


def _chunks(codes: Collection[str]) -> list[list[str]]:
    ordered = sorted(codes)
    return [ordered[i : i + CHUNK] for i in range(0, len(ordered), CHUNK)]


async def attachable(
    session: AsyncSession, operation_id: int, communes: Collection[str]
) -> Attachable:
    """How many campaigns of these communes are free, already this operation's, or another's."""
    free = attached = elsewhere = 0
    for chunk in _chunks(communes):
        rows = await session.execute(
            select(Campaign.operation_id, func.count())
            .where(Campaign.commune_insee.in_(chunk))
            .group_by(Campaign.operation_id)
        )
        for owner, count in rows:
            if owner is None:
                free += count
            elif owner == operation_id:
                attached += count
            else:
                elsewhere += count
    return Attachable(free, attached, elsewhere)


async def attach(session: AsyncSession, operation_id: int, communes: Collection[str]) -> int:
    """Attach the free campaigns of these communes to the operation (another operation's stay
    with it); the number attached."""
    total = 0
    for chunk in _chunks(communes):
        total += updated(
            await session.execute(
                update(Campaign)
                .where(Campaign.commune_insee.in_(chunk), Campaign.operation_id.is_(None))
                .values(operation_id=operation_id)
                .execution_options(synchronize_session=False)
            )
        )
    return total


# --- invitations --------------------------------------------------------------------------------

COORDINATOR_ROLE = "coordinator"


async def join(session: AsyncSession, user_id: int, operation_id: int) -> None:
    """Appoint the user and assign them to the operation (a coordinator's invitation claimed)."""
    await appoint(session, user_id)
    await assign(session, operation_id, user_id)
