"""Writes that two taps, two updates or two processes may race, made idempotent by the database."""

from typing import Any, cast

from sqlalchemy import CursorResult, Result
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute


async def insert_or_ignore(
    session: AsyncSession, model: type, keys: list[InstrumentedAttribute[Any]], **values: Any
) -> bool:
    """INSERT … ON CONFLICT (keys) DO NOTHING; True if the row was inserted."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(model).values(**values).on_conflict_do_nothing(index_elements=keys)
    return updated(await session.execute(statement)) > 0


def updated(result: Result[Any]) -> int:
    """Rows an INSERT, UPDATE or DELETE touched (its cursor's rowcount)."""
    return cast(CursorResult[Any], result).rowcount or 0
