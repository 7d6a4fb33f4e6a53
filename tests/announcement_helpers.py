"""Shared pieces of the announcements' tests: an operation on Centre-Val de Loire with its
coordinator, residents inside and outside it who said yes, no or nothing, and the scheduler's
job run at a chosen time."""

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.operation_jobs import announcements_tick
from bot.domain.gazetteer import Gazetteer
from storage.models import Broadcast, Outbox, User
from storage.repo import announcements as repo
from tests.e2e import Harness
from tests.operations_helpers import add_operation

COORDINATOR, OTHER_COORDINATOR = 801, 802
# Residents: (id, commune, consent, language). Tours and Orléans are in Centre-Val de Loire.
TOURS, ORLEANS, SAINT_LO = "37261", "45234", "50502"
INSIDE_YES, INSIDE_YES_EN = 811, 812
OUTSIDE_YES, INSIDE_NO, INSIDE_NEVER_ASKED, INSIDE_BLOCKED = 813, 814, 815, 816
RESIDENTS: list[tuple[int, str, bool | None, str]] = [
    (INSIDE_YES, TOURS, True, "fr"),
    (INSIDE_YES_EN, ORLEANS, True, "en"),
    (OUTSIDE_YES, SAINT_LO, True, "fr"),
    (INSIDE_NO, TOURS, False, "fr"),
    (INSIDE_NEVER_ASKED, TOURS, None, "fr"),
    (INSIDE_BLOCKED, TOURS, True, "fr"),
]
REACHED = [INSIDE_YES, INSIDE_YES_EN]


async def seed(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession], gazetteer: Gazetteer
) -> tuple[int, int]:
    """Make in Loire Valley (region 24, COORDINATOR) and Ozé (Manche, OTHER_COORDINATOR), the
    residents; returns the two operations' ids."""
    loire = await add_operation(
        sessionmaker, "Make in Loire Valley", [("region", "24")], [COORDINATOR]
    )
    oze = await add_operation(sessionmaker, "Ozé", [("department", "50")], [OTHER_COORDINATOR])
    now = harness.clock.now
    rows: list[dict[str, Any]] = []
    for user_id, insee, consent, language in RESIDENTS:
        commune = gazetteer.by_insee(insee)
        assert commune is not None and commune.lat is not None
        rows.append(
            {
                "id": user_id,
                "lat": commune.lat,
                "lon": commune.lon,
                "commune_insee": insee,
                "radius_km": 25,
                "language_code": language,
                "announcements_consent": consent,
                "consent_at": now if consent is not None else None,
                "notify_announcements": consent is not False,
                "quiet_hours": False,
                "blocked_at": now if user_id == INSIDE_BLOCKED else None,
                "created_at": now,
                "updated_at": now,
                "last_seen_at": now,
            }
        )
    async with sessionmaker() as session:
        await session.execute(insert(User), rows)
        await session.commit()
    return loire, oze


async def announcements(sessionmaker: async_sessionmaker[AsyncSession]) -> list[Broadcast]:
    async with sessionmaker() as session:
        query = select(Broadcast).where(Broadcast.kind == "announcement").order_by(Broadcast.id)
        return list(await session.scalars(query))


async def rows_of(sessionmaker: async_sessionmaker[AsyncSession], kind: str) -> list[Outbox]:
    async with sessionmaker() as session:
        query = select(Outbox).where(Outbox.kind == kind).order_by(Outbox.user_id)
        return list(await session.scalars(query))


async def run_job(
    harness: Harness,
    sessionmaker: async_sessionmaker[AsyncSession],
    gazetteer: Gazetteer,
    at: datetime,
) -> int:
    """The scheduler's "announcements" job at `at`: broadcasts queued."""
    harness.clock.now = at
    return await announcements_tick(sessionmaker, harness.settings, gazetteer, harness.clock)


async def scheduled(
    sessionmaker: async_sessionmaker[AsyncSession], operation_id: int, send_at: datetime
) -> int:
    """An announcement of the operation scheduled by COORDINATOR; its id."""
    async with sessionmaker() as session:
        broadcast = await repo.create(
            session, operation_id=operation_id, author_id=COORDINATOR, text="Prévue",
            send_at=send_at, report_chat_id=COORDINATOR,
        )  # fmt: skip
        await session.commit()
        return broadcast.id
