"""SQLite writers take turns in the order they asked (storage.sqlite_driver.WriteTurns), and a
transaction that ends in any way hands the turn on."""

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.db import create_engine, create_sessionmaker
from storage.models import User
from tests.databases import SqliteFactory
from tests.delivery_helpers import add_users

WRITERS = [2, 3, 4, 5, 6, 7]


@pytest.fixture
async def sqlite_engine(sqlite_factory: SqliteFactory) -> AsyncIterator[AsyncEngine]:
    """SQLite only: PostgreSQL writers of different rows never wait for each other."""
    url = await sqlite_factory.create()
    engine = create_engine(url, pool_size=10)
    yield engine
    await engine.dispose()
    await sqlite_factory.drop(url)


async def write_radius(
    sessionmaker: async_sessionmaker[AsyncSession],
    user_id: int,
    order: list[int],
    hold: float,
    written: asyncio.Event | None = None,
) -> None:
    async with sessionmaker() as session:
        await session.execute(update(User).where(User.id == user_id).values(radius_km=5))
        order.append(user_id)  # this transaction writes now: it has the turn
        if written is not None:
            written.set()
        await asyncio.sleep(hold)  # the handler's work (and the event loop's delays) meanwhile
        await session.commit()


async def test_writers_write_in_the_order_they_asked(sqlite_engine: AsyncEngine) -> None:
    sessionmaker = create_sessionmaker(sqlite_engine)
    async with sessionmaker() as session:
        await add_users(session, [1, *WRITERS])
    order: list[int] = []
    written = asyncio.Event()
    first = asyncio.create_task(write_radius(sessionmaker, 1, order, 0.5, written))
    await written.wait()
    others = []
    for user_id in WRITERS:  # each asks while the first still holds its transaction open
        others.append(asyncio.create_task(write_radius(sessionmaker, user_id, order, 0.01)))
        await asyncio.sleep(0.03)
    await asyncio.gather(first, *others)
    assert order == [1, *WRITERS]
    async with sessionmaker() as session:
        radii = await session.scalars(select(User.radius_km).order_by(User.id))
        assert list(radii) == [5] * (1 + len(WRITERS))


async def test_a_transaction_that_fails_hands_the_turn_on(sqlite_engine: AsyncEngine) -> None:
    sessionmaker = create_sessionmaker(sqlite_engine)
    async with sessionmaker() as session:
        await add_users(session, [1, 2])

    async def fails() -> None:
        async with sessionmaker() as session:
            await session.execute(update(User).where(User.id == 1).values(radius_km=5))
            raise RuntimeError("the handler failed")

    with pytest.raises(RuntimeError):
        await fails()
    started = time.monotonic()
    await write_radius(sessionmaker, 2, [], 0.0)
    assert time.monotonic() - started < 1.0  # not the 5 s a turn never given back would cost
    async with sessionmaker() as session:
        assert await session.scalar(select(User.radius_km).where(User.id == 1)) == 25
        assert await session.scalar(select(User.radius_km).where(User.id == 2)) == 5
