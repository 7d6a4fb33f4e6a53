"""The models and the migrations describe the same schema."""

import asyncio
from datetime import UTC, datetime

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from storage.db import alembic_config, upgrade
from storage.geo import cell_of
from storage.models import Base
from tests.delivery_helpers import add_users, queue


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


async def test_models_match_migrations(engine: AsyncEngine) -> None:
    def diff(connection):  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)

    async with engine.connect() as connection:
        changes = await connection.run_sync(diff)
    assert changes == []


async def test_outbox_foreign_keys_go_and_come_back(
    db_url: str, engine: AsyncEngine, session: AsyncSession
) -> None:
    """0004 drops the outbox's foreign keys; going back clears orphan rows and restores them."""
    now = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
    await add_users(session, [7])
    await queue(session, 7, "kept", "x", now)
    await queue(session, 8, "orphan", "x", now)  # user 8 does not exist
    await session.close()
    await engine.dispose()
    await asyncio.to_thread(downgrade, db_url, "0003")

    def foreign_keys(connection):  # type: ignore[no-untyped-def]
        return {fk["name"] for fk in inspect(connection).get_foreign_keys("outbox")}

    async with engine.connect() as connection:
        assert await connection.run_sync(foreign_keys) == {
            "fk_outbox_campaign_id_campaigns",
            "fk_outbox_user_id_users",
        }
        keys = await connection.scalars(text("SELECT dedup_key FROM outbox"))
        assert list(keys) == ["kept"]
    await engine.dispose()
    await asyncio.to_thread(upgrade, db_url)
    async with engine.connect() as connection:
        assert await connection.run_sync(foreign_keys) == set()


async def test_revisions_go_and_come_back(db_url: str, engine: AsyncEngine) -> None:
    """0005 adds the revision counters and their triggers (0006 replaces PostgreSQL's); going
    back removes them all."""
    await engine.dispose()
    await asyncio.to_thread(downgrade, db_url, "0004")

    def schema(connection):  # type: ignore[no-untyped-def]
        inspector = inspect(connection)
        return (
            "revisions" in inspector.get_table_names(),
            {column["name"] for column in inspector.get_columns("campaigns")},
        )

    async with engine.begin() as connection:
        has_revisions, columns = await connection.run_sync(schema)
        assert not has_revisions and "revision" not in columns
        # No trigger is left to write to a table that is gone.
        await connection.execute(
            text(
                "INSERT INTO users (id, radius_km, created_at, updated_at) VALUES (9, 25, :t, :t)"
            ),
            {"t": datetime(2026, 11, 28)},
        )
    await engine.dispose()
    await asyncio.to_thread(upgrade, db_url)
    async with engine.begin() as connection:
        has_revisions, columns = await connection.run_sync(schema)
        assert has_revisions and "revision" in columns
        await connection.execute(text("UPDATE users SET radius_km = 5 WHERE id = 9"))
        stamped = await connection.scalar(text("SELECT revision FROM users WHERE id = 9"))
        assert stamped > 0


XID = text("SELECT pg_current_xact_id()::text::bigint")
STAMP = text("SELECT revision FROM users WHERE id = 9")


async def add_user(connection: AsyncConnection, user_id: int) -> None:
    await connection.execute(
        text("INSERT INTO users (id, radius_km, created_at, updated_at) VALUES (:id, 25, :t, :t)"),
        {"id": user_id, "t": datetime(2026, 11, 28)},
    )


async def test_0006_goes_back_to_0005s_counters_and_comes_back(
    db_url: str, engine: AsyncEngine
) -> None:
    """0006 replaces PostgreSQL's counters by transaction ids and tombstones; going back to
    0005 restores its counters, above every revision stamped meanwhile. SQLite keeps 0005's
    counters throughout: there 0006 only adds the (unused) tombstone table."""
    postgres = engine.dialect.name == "postgresql"
    async with engine.begin() as connection:
        await add_user(connection, 9)
        await connection.execute(text("DELETE FROM users WHERE id = 404"))  # deletes nothing
        await add_user(connection, 8)
        await connection.execute(text("DELETE FROM users WHERE id = 8"))
        if postgres:
            xid = await connection.scalar(XID)
            assert await connection.scalar(STAMP) == xid
            tombstones = await connection.execute(text("SELECT name, xid FROM deletions"))
            assert tombstones.all() == [("users", xid)]
    await engine.dispose()
    await asyncio.to_thread(downgrade, db_url, "0005")

    def tables(connection):  # type: ignore[no-untyped-def]
        return set(inspect(connection).get_table_names())

    async with engine.begin() as connection:
        assert "deletions" not in await connection.run_sync(tables)
        counters = dict((await connection.execute(text("SELECT name, value FROM revisions"))).all())
        assert counters["users"] >= await connection.scalar(STAMP)
        assert counters["users_deleted"] == 1
        await connection.execute(text("UPDATE users SET radius_km = 5 WHERE id = 9"))
        assert await connection.scalar(STAMP) == counters["users"] + 1
    await engine.dispose()
    await asyncio.to_thread(upgrade, db_url)
    async with engine.begin() as connection:
        assert "deletions" in await connection.run_sync(tables)
        await connection.execute(text("UPDATE users SET radius_km = 50 WHERE id = 9"))
        if postgres:
            assert await connection.scalar(STAMP) == await connection.scalar(XID)
            assert await connection.scalar(text("SELECT count(*) FROM revisions")) == 0


async def test_0007_moves_what_was_placed_from_a_commune(db_url: str, engine: AsyncEngine) -> None:
    """0007 moves the residents and campaigns placed from a commune (the old point of their
    commune, rounded as stored) to its town hall's point; points of their own stay."""
    await engine.dispose()
    await asyncio.to_thread(downgrade, db_url, "0006")
    t = datetime(2026, 11, 30)
    users = [
        (1, "37261", 47.39, 0.70),  # typed "Tours": the old point, rounded
        (2, "37261", 47.40, 0.70),  # shared a location near Tours
        (3, "69123", 45.75, 4.85),  # typed "Lyon"
        (4, None, 47.39, 0.70),  # no commune
    ]
    campaigns = [
        (1, "37261", 47.39484, 0.70398),  # imported with the commune only
        (2, "37261", 47.3949, 0.704),  # with a lat/lon of its own
    ]
    async with engine.begin() as connection:
        for user_id, insee, lat, lon in users:
            await connection.execute(
                text(
                    "INSERT INTO users (id, radius_km, lat, lon, commune_insee, created_at,"
                    " updated_at) VALUES (:id, 25, :lat, :lon, :insee, :t, :t)"
                ),
                {"id": user_id, "lat": lat, "lon": lon, "insee": insee, "t": t},
            )
        for campaign_id, insee, lat, lon in campaigns:
            await connection.execute(
                text(
                    "INSERT INTO campaigns (id, source, external_id, title, holder, description,"
                    " category, commune_insee, lat, lon, cell, goal_cents, raised_cents, backers,"
                    " starts_at, ends_at, last_milestone, search_text, created_at, updated_at)"
                    " VALUES (:id, 'test', :ext, 'T', 'H', '', 'other', :insee, :lat, :lon,"
                    " :cell, 100, 0, 0, :t, :t, 0, '', :t, :t)"
                ),
                {"id": campaign_id, "ext": str(campaign_id), "insee": insee, "lat": lat}
                | {"lon": lon, "cell": cell_of(lat, lon), "t": t},
            )
    await engine.dispose()
    await asyncio.to_thread(upgrade, db_url)
    async with engine.connect() as connection:
        rows = await connection.execute(text("SELECT id, lat, lon FROM users ORDER BY id"))
        assert rows.all() == [
            (1, 47.39, 0.69),
            (2, 47.40, 0.70),
            (3, 45.77, 4.84),
            (4, 47.39, 0.70),
        ]
        query = text("SELECT id, lat, lon, cell FROM campaigns ORDER BY id")
        rows = await connection.execute(query)
        assert rows.all() == [
            (1, 47.39122, 0.68922, cell_of(47.39122, 0.68922)),
            (2, 47.3949, 0.704, cell_of(47.3949, 0.704)),
        ]
    assert cell_of(47.39122, 0.68922) != cell_of(47.39484, 0.70398)
