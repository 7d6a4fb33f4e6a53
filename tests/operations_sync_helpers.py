"""Shared pieces of the tests of an operation's platform from its card: the bot talking to the
local fake of Ulule's API, two operations with their coordinators, the card opened, what the
platform's buttons may change."""

from collections.abc import AsyncIterator
from typing import Any

from aiogram.utils.i18n import I18n
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.devtools.fakeulule import FakeUlule, project_doc
from bot.domain.gazetteer import Gazetteer
from storage.models import Campaign, Operation, UnplacedProject
from tests.e2e import Chat, Harness, plain, start_harness
from tests.operations_helpers import ADMIN, add_operation, known, tap

COORDINATOR, OTHER_COORDINATOR, RESIDENT, HOLDER = 5101, 5102, 5103, 5104
TOURAINE = [("department", "37")]
MANCHE = [("department", "50")]
LOIRE = "Make in Loire Valley"
SOURCE = "users/42"


async def fake_ulule() -> AsyncIterator[FakeUlule]:
    """Ulule user 42's projects: one in Tours, one in a city no gazetteer knows."""
    async with FakeUlule(delay=1.0) as server:
        server.add(
            project_doc(1, name="Exp3D", city="Tours", goal=2000, raised=400, supporters=9),
            user=42,
        )
        server.add(project_doc(2, name="La Forge", city="Atlantis", goal=3000), user=42)
        yield server


async def bot_with_ulule(
    db_url: str, gazetteer: Gazetteer, i18n: I18n, fake: FakeUlule
) -> AsyncIterator[Harness]:
    harness, close = await start_harness(
        db_url,
        gazetteer,
        i18n,
        admin_ids=[ADMIN],
        ulule_api_url=fake.api_url,
        sync_timeout=0.3,
        sync_retries=1,
        sync_backoff_seconds=0.01,
    )
    yield harness
    await close()


async def seed(
    sessionmaker: async_sessionmaker[AsyncSession], source: str | None = SOURCE
) -> tuple[int, int]:
    """Loire (Indre-et-Loire, COORDINATOR, synced from `source`) and Ozé (Manche,
    OTHER_COORDINATOR)."""
    loire = await add_operation(sessionmaker, LOIRE, TOURAINE, [COORDINATOR])
    oze = await add_operation(sessionmaker, "Ozé", MANCHE, [OTHER_COORDINATOR])
    async with sessionmaker() as session:
        await session.execute(
            update(Operation).where(Operation.id == loire).values(sync_source=source)
        )
        await session.commit()
    return loire, oze


def text(message: dict[str, Any]) -> str:
    return plain(message.get("text") or "")


async def open_card(chat: Chat, name: str) -> dict[str, Any]:
    """/operations, then the operation's card."""
    await known(chat)
    [listing] = await chat.send("/operations")
    return await tap(chat, listing, name)


async def stored(sessionmaker: async_sessionmaker[AsyncSession], operation_id: int) -> Operation:
    async with sessionmaker() as session:
        operation = await session.get(Operation, operation_id)
        assert operation is not None
        return operation


async def campaigns(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, tuple]:
    """Campaigns by external id: (operation, commune, goal, raised)."""
    async with sessionmaker() as session:
        rows = await session.scalars(select(Campaign))
        return {
            c.external_id: (c.operation_id, c.commune_insee, c.goal_cents, c.raised_cents)
            for c in rows
        }


async def unplaced(sessionmaker: async_sessionmaker[AsyncSession]) -> list[tuple]:
    async with sessionmaker() as session:
        rows = await session.scalars(select(UnplacedProject).order_by(UnplacedProject.id))
        return [(u.id, u.operation_id, u.external_id, u.title) for u in rows]


async def snapshot(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, Any]:
    """What the platform's buttons may change."""
    async with sessionmaker() as session:
        ops = await session.scalars(select(Operation).order_by(Operation.id))
        state = [(o.id, o.sync_source, o.sync_tried_at, o.synced_at, o.sync_error) for o in ops]
    return {
        "operations": state,
        "campaigns": await campaigns(sessionmaker),
        "unplaced": await unplaced(sessionmaker),
    }
