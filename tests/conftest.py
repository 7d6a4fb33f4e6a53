"""Shared fixtures: real migrated databases on every backend, the gazetteer, the catalogues."""

import bot  # noqa: F401  (first: defers aiogram's type building, as in production)

# isort: split

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.domain.gazetteer import Gazetteer
from bot.i18n import create_i18n
from storage.db import create_engine, create_sessionmaker
from tests.databases import PostgresFactory, SqliteFactory, backends
from tests.e2e import Harness, start_harness


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    return Gazetteer.load()


@pytest.fixture(scope="session")
def i18n() -> I18n:
    return create_i18n("fr")


@pytest.fixture(scope="session")
def sqlite_factory(tmp_path_factory: pytest.TempPathFactory) -> SqliteFactory:
    return SqliteFactory(tmp_path_factory.mktemp("db"))


@pytest.fixture(scope="session")
def postgres_factory() -> Iterator[PostgresFactory | None]:
    import asyncio

    if "postgresql" not in backends():
        yield None
        return
    factory = PostgresFactory()
    asyncio.run(factory.setup())
    yield factory
    asyncio.run(factory.close())


@pytest.fixture(params=backends())
async def db_url(
    request: pytest.FixtureRequest,
    sqlite_factory: SqliteFactory,
    postgres_factory: PostgresFactory | None,
) -> AsyncIterator[str]:
    factory = sqlite_factory if request.param == "sqlite" else postgres_factory
    assert factory is not None
    url = await factory.create()
    yield url
    await factory.drop(url)


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(db_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(engine)


@pytest.fixture
async def session(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as session:
        yield session


@pytest.fixture
def data_dir() -> Path:
    return Path(__file__).parent / "data"


@pytest.fixture
async def harness(db_url: str, gazetteer: Gazetteer, i18n: I18n) -> AsyncIterator[Harness]:

    harness, close = await start_harness(db_url, gazetteer, i18n)
    yield harness
    await close()
