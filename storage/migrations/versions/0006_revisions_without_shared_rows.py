"""revisions without a shared row on PostgreSQL

0005 numbered writes with one counter row per table: on PostgreSQL every writer held that row
(a lock) until it committed, so two users' writes, or an import and a progress report, waited
for each other. Now a written row of `campaigns` or `users` is stamped with the id of the
transaction that writes it, and a statement that deletes rows adds a tombstone to `deletions`:
writers only touch their own rows and insert new ones. A reader knows what it has not seen from
the snapshot it last read in (storage.repo.revisions). Needs PostgreSQL 13 or later
(pg_current_xact_id, pg_current_snapshot).

SQLite keeps 0005's counters: it has one writer at a time, so they cost no concurrency there.
Both databases get the `deletions` table (one schema for both); on PostgreSQL nothing reads or
writes `revisions` any more and its rows go, to come back on a downgrade.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 11:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("campaigns", "users")
XID = "pg_current_xact_id()::text::bigint"

PG_FUNCTIONS = (
    f"""
CREATE FUNCTION stamp_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.revision := {XID};
    RETURN NEW;
END $$
""",
    f"""
CREATE FUNCTION record_deletion() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO deletions (name, xid) SELECT TG_TABLE_NAME, {XID} WHERE EXISTS (SELECT FROM gone);
    RETURN NULL;
END $$
""",
)


def _pg_triggers(
    table: str,
    stamp: str = "stamp_revision",
    delete: str = "record_deletion",
    deleted_rows: str = " REFERENCING OLD TABLE AS gone",
) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_revision BEFORE INSERT OR UPDATE ON {table}"
        f" FOR EACH ROW EXECUTE FUNCTION {stamp}()",
        f"CREATE TRIGGER {table}_deleted AFTER DELETE ON {table}{deleted_rows}"
        f" FOR EACH STATEMENT EXECUTE FUNCTION {delete}()",
    ]


def _drop_pg_triggers() -> None:
    for table in TABLES:
        op.execute(f"DROP TRIGGER {table}_revision ON {table}")
        op.execute(f"DROP TRIGGER {table}_deleted ON {table}")


def upgrade() -> None:
    op.create_table(
        "deletions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("xid", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deletions")),
    )
    op.create_index(op.f("ix_deletions_xid"), "deletions", ["xid"], unique=False)
    if op.get_bind().dialect.name != "postgresql":
        return
    _drop_pg_triggers()
    op.execute("DROP FUNCTION take_revision()")
    op.execute("DROP FUNCTION note_deletion()")
    op.execute("DELETE FROM revisions")
    for sql in (*PG_FUNCTIONS, *(sql for table in TABLES for sql in _pg_triggers(table))):
        op.execute(sql)


# 0005's functions and triggers, as 0005 created them (a downgrade restores them).
PG_0005_FUNCTIONS = (
    """
CREATE FUNCTION take_revision() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    setting text := 'companion.revision_' || TG_TABLE_NAME;
    taken bigint := nullif(current_setting(setting, true), '')::bigint;
BEGIN
    IF taken IS NULL THEN
        UPDATE revisions SET value = value + 1 WHERE name = TG_TABLE_NAME
            RETURNING value INTO taken;
        PERFORM set_config(setting, taken::text, true);
    END IF;
    NEW.revision := taken;
    RETURN NEW;
END $$
""",
    """
CREATE FUNCTION note_deletion() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE revisions SET value = value + 1 WHERE name = TG_TABLE_NAME || '_deleted';
    RETURN NULL;
END $$
""",
)


def _pg_0005_triggers(table: str) -> list[str]:
    return _pg_triggers(table, "take_revision", "note_deletion", deleted_rows="")


def _restore_counters() -> None:
    """0005's counters again, keeping its invariant: no row's revision above its table's counter."""
    for table in TABLES:
        op.execute(
            "INSERT INTO revisions (name, value) VALUES"
            f" ('{table}', (SELECT coalesce(max(revision), 0) FROM {table})),"
            f" ('{table}_deleted', (SELECT count(*) FROM deletions WHERE name = '{table}'))"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _drop_pg_triggers()
        op.execute("DROP FUNCTION stamp_revision()")
        op.execute("DROP FUNCTION record_deletion()")
        _restore_counters()
        for sql in (
            *PG_0005_FUNCTIONS,
            *(sql for table in TABLES for sql in _pg_0005_triggers(table)),
        ):
            op.execute(sql)
    op.drop_index(op.f("ix_deletions_xid"), table_name="deletions")
    op.drop_table("deletions")
