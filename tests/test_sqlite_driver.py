"""The fewer-hops SQLite connection behind SQLAlchemy: what is committed stays, the rest not."""

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from storage.db import create_engine
from storage.sqlite_driver import Connection


@pytest.fixture
async def engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
    yield engine
    await engine.dispose()


async def names(engine) -> list[str]:  # type: ignore[no-untyped-def]
    async with engine.connect() as conn:
        return list((await conn.execute(text("SELECT name FROM t ORDER BY id"))).scalars())


async def test_engine_uses_the_fewer_hops_connection(engine) -> None:  # type: ignore[no-untyped-def]
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        assert isinstance(raw.driver_connection, Connection)


async def test_committed_rows_stay_and_rolled_back_rows_do_not(engine) -> None:  # type: ignore[no-untyped-def]
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (name) VALUES ('kept')"))
    async with engine.connect() as conn:
        await conn.execute(text("INSERT INTO t (name) VALUES ('dropped')"))
        await conn.rollback()
    async with engine.connect() as conn:
        await conn.execute(text("INSERT INTO t (name) VALUES ('never committed')"))
        # closed without commit: the pool's reset rolls it back
    assert await names(engine) == ["kept"]


async def test_rows_counts_and_returning(engine) -> None:  # type: ignore[no-untyped-def]
    async with engine.begin() as conn:
        result = await conn.execute(
            text("INSERT INTO t (name) VALUES (:name)"), [{"name": n} for n in "abc"]
        )
        assert result.rowcount == 3
        returned = await conn.execute(text("INSERT INTO t (name) VALUES ('d') RETURNING id, name"))
        assert returned.all() == [(4, "d")]
        result = await conn.execute(text("INSERT INTO t (name) VALUES ('e')"))
        assert result.lastrowid == 5
        updated = await conn.execute(text("UPDATE t SET name = name || '!' WHERE id <= 2"))
        assert updated.rowcount == 2
        assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 5
        streamed = await conn.stream(text("SELECT id FROM t ORDER BY id"))
        assert [row.id async for row in streamed] == [1, 2, 3, 4, 5]
    assert await names(engine) == ["a!", "b!", "c", "d", "e"]


async def test_a_failed_statement_changes_nothing_and_the_connection_goes_on(engine) -> None:  # type: ignore[no-untyped-def]
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (name) VALUES ('x')"))
    with pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO t (name) VALUES ('y')"))
            await conn.execute(text("INSERT INTO t (name) VALUES ('x')"))
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (name) VALUES ('z')"))
    assert await names(engine) == ["x", "z"]
