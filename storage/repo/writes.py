"""Writes that two taps, two updates or two processes may race, made idempotent by the database."""

from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, Result
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

M = TypeVar("M")


async def insert_or_ignore(
    session: AsyncSession, model: type, keys: list[InstrumentedAttribute[Any]], **values: Any
) -> bool:
    """INSERT … ON CONFLICT (keys) DO NOTHING; True if the row was inserted."""
    statement = _insert_ignoring(session, model, keys, values)
    return updated(await session.execute(statement)) > 0


def _insert_ignoring(
    session: AsyncSession,
    model: type,
    keys: list[InstrumentedAttribute[Any]],
    values: dict[str, Any],
) -> Any:
    """The dialect's INSERT … ON CONFLICT (keys) DO NOTHING."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(model).values(**values).on_conflict_do_nothing(index_elements=keys)


async def insert_or_ignore_returning(
    session: AsyncSession, model: type[M], keys: list[InstrumentedAttribute[Any]], **values: Any
) -> M | None:
    """INSERT … ON CONFLICT (keys) DO NOTHING RETURNING the row, as an object of `session`;
    None if the row was already there (one statement either way)."""
    statement = _insert_ignoring(session, model, keys, values).returning(model)
    return (await session.scalars(statement)).first()


def updated(result: Result[Any]) -> int:
    """Rows an INSERT, UPDATE or DELETE touched (its cursor's rowcount)."""
    return cast(CursorResult[Any], result).rowcount or 0
