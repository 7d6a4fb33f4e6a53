"""Writes that two taps, two updates or two processes may race, made idempotent by the database."""

from typing import Any

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
    result = await session.execute(statement)
    return bool(getattr(result, "rowcount", 0))
