"""Reads by key on the event loop (SQLite files only): the values the ORM would load, or a
clear "not now" when the database is locked."""

import sqlite3
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.readmodels.user_cache import KEYS, UserCache, sqlite_reader
from storage.db import create_engine
from storage.models import User
from storage.sqlite_reads import Unavailable
from tests.databases import SqliteFactory
from tests.delivery_helpers import add_users


async def test_a_user_read_by_key_is_what_the_orm_loads(
    engine: AsyncEngine, session: AsyncSession
) -> None:
    reader = sqlite_reader(engine)
    if engine.dialect.name != "sqlite":
        assert reader is None  # PostgreSQL: the async engine only
        return
    assert reader is not None
    await add_users(session, [41], locale="en", lat=49.12, lon=-1.08, commune_insee="50502")
    user = await session.get(User, 41)
    assert user is not None
    assert reader(41) == tuple(getattr(user, key) for key in KEYS)
    assert reader(42) is None


@pytest.fixture
async def sqlite_engine(sqlite_factory: SqliteFactory) -> AsyncIterator[AsyncEngine]:
    """Only SQLite files are read on the event loop: this test has no PostgreSQL variant."""
    url = await sqlite_factory.create()
    engine = create_engine(url)
    yield engine
    await engine.dispose()
    await sqlite_factory.drop(url)


async def test_a_locked_database_is_read_the_usual_way(sqlite_engine: AsyncEngine) -> None:
    engine = sqlite_engine
    reader = sqlite_reader(engine)
    assert reader is not None
    async with AsyncSession(engine) as session:
        await add_users(session, [43])
    await engine.dispose()
    holder = sqlite3.connect(engine.url.database, isolation_level=None)
    try:
        holder.execute("PRAGMA locking_mode = EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("UPDATE users SET radius_km = 5 WHERE id = 43")
        with pytest.raises(Unavailable):
            reader(43)
        cache = UserCache(10, reader)
        async with AsyncSession(engine) as other:
            assert cache.read(other, 43) == (None, False) and 43 not in cache
    finally:
        holder.close()
    assert reader(43) is not None
