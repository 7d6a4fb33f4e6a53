"""revisions of campaigns and users

The bot keeps the campaigns' list fields and recently seen users in memory (bot.readmodels.sync),
so that /nearby costs no database round trip. Whoever writes (this bot, an import, the
delivery worker, psql), the database itself numbers the change: every inserted or updated row
gets the next value of its table's counter in `revisions`, and a delete bumps a second counter.
A reader that saw counter value N asks for the rows above N; it never misses one, because a
writer holds the counter's row (a lock until it commits) from the change until its commit, so
revisions become visible in order.

On PostgreSQL one transaction takes one revision for all its rows (a transaction-local
setting), not one per row: a 50,000-row import updates the counter once.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 09:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("campaigns", "users")

PG_FUNCTIONS = (
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


def _pg_triggers(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_revision BEFORE INSERT OR UPDATE ON {table}"
        " FOR EACH ROW EXECUTE FUNCTION take_revision()",
        f"CREATE TRIGGER {table}_deleted AFTER DELETE ON {table}"
        " FOR EACH STATEMENT EXECUTE FUNCTION note_deletion()",
    ]


def _sqlite_triggers(table: str) -> list[str]:
    # SQLite has one writer at a time, so a bump per row keeps the order; `WHEN` keeps the
    # trigger's own write of `revision` from counting as a change.
    take = (
        f"UPDATE revisions SET value = value + 1 WHERE name = '{table}';"
        f" UPDATE {table} SET revision = (SELECT value FROM revisions WHERE name = '{table}')"
        " WHERE id = NEW.id;"
    )
    return [
        f"CREATE TRIGGER {table}_revision_insert AFTER INSERT ON {table} BEGIN {take} END",
        f"CREATE TRIGGER {table}_revision_update AFTER UPDATE ON {table}"
        f" WHEN NEW.revision IS OLD.revision BEGIN {take} END",
        f"CREATE TRIGGER {table}_deleted AFTER DELETE ON {table} BEGIN"
        f" UPDATE revisions SET value = value + 1 WHERE name = '{table}_deleted'; END",
    ]


def upgrade() -> None:
    revisions = op.create_table(
        "revisions",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_revisions")),
    )
    op.bulk_insert(
        revisions,
        [{"name": name, "value": 0} for table in TABLES for name in (table, f"{table}_deleted")],
    )
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("revision", sa.BigInteger(), server_default="0", nullable=False)
            )
            batch_op.create_index(batch_op.f(f"ix_{table}_revision"), ["revision"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        statements = [*PG_FUNCTIONS, *(sql for table in TABLES for sql in _pg_triggers(table))]
    else:
        statements = [sql for table in TABLES for sql in _sqlite_triggers(table)]
    for sql in statements:
        op.execute(sql)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in TABLES:
        if postgres:
            op.execute(f"DROP TRIGGER {table}_revision ON {table}")
            op.execute(f"DROP TRIGGER {table}_deleted ON {table}")
        else:
            for name in ("revision_insert", "revision_update", "deleted"):
                op.execute(f"DROP TRIGGER {table}_{name}")
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_revision"))
            batch_op.drop_column("revision")
    if postgres:
        op.execute("DROP FUNCTION take_revision()")
        op.execute("DROP FUNCTION note_deletion()")
    op.drop_table("revisions")
