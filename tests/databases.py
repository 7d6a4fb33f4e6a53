"""Fresh, migrated databases for tests: SQLite always, PostgreSQL when TEST_DATABASE_URL is set.

Migrations run once per backend into a template; each test gets a copy (a file copy for SQLite,
`CREATE DATABASE ... TEMPLATE` for PostgreSQL), so every test starts from the real schema.
"""

import os
import shutil
import uuid
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from storage.db import upgrade


def backends() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get("TEST_DATABASE_URL") else ["sqlite"]


def postgresql_only() -> list[object]:
    """The `db_url` parameters of a test about concurrent writers: PostgreSQL alone, because
    SQLite has one writer at a time by design (there the second writer always waits)."""
    reason = "concurrent writers need PostgreSQL (TEST_DATABASE_URL); SQLite has one writer"
    skip = pytest.mark.skipif("postgresql" not in backends(), reason=reason)
    return [pytest.param("postgresql", marks=skip)]


def pg_base_url() -> str:
    url = make_url(os.environ["TEST_DATABASE_URL"])
    return url.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def _plain(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class SqliteFactory:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.template = root / "template.db"
        upgrade(f"sqlite+aiosqlite:///{self.template}")

    async def create(self) -> str:
        path = self.root / f"{uuid.uuid4().hex}.db"
        shutil.copyfile(self.template, path)
        return f"sqlite+aiosqlite:///{path}"

    async def drop(self, url: str) -> None:
        Path(make_url(url).database or "").unlink(missing_ok=True)

    async def close(self) -> None:
        pass


class PostgresFactory:
    def __init__(self) -> None:
        self.base = make_url(pg_base_url())
        self.template_name = f"cc_tmpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"

    async def _admin(self) -> asyncpg.Connection:
        return await asyncpg.connect(_plain(self.base.render_as_string(hide_password=False)))

    async def setup(self) -> None:
        conn = await self._admin()
        try:
            await conn.execute(f'CREATE DATABASE "{self.template_name}"')
        finally:
            await conn.close()
        upgrade(self.base.set(database=self.template_name).render_as_string(hide_password=False))

    async def create(self) -> str:
        name = f"cc_{uuid.uuid4().hex[:12]}"
        conn = await self._admin()
        try:
            await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template_name}"')
        finally:
            await conn.close()
        return self.base.set(database=name).render_as_string(hide_password=False)

    async def drop(self, url: str) -> None:
        name = make_url(url).database
        conn = await self._admin()
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    async def close(self) -> None:
        await self.drop(self.base.set(database=self.template_name).render_as_string())
