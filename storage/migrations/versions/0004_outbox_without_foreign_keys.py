"""outbox without foreign keys

The outbox is written thousands of rows at a time (an alert scan, a milestone to every
follower). On PostgreSQL the two foreign-key triggers took half of such a write; the rows are
only ever made for existing users and campaigns, and deleting a user or a campaign now clears
its rows itself (storage.repo.users.delete_user, storage.repo.campaigns.delete_campaign).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 08:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_constraint("fk_outbox_campaign_id_campaigns", type_="foreignkey")
        batch_op.drop_constraint("fk_outbox_user_id_users", type_="foreignkey")


def downgrade() -> None:
    # Rows left behind by deleted users or campaigns would break the constraints: clear them.
    op.execute("DELETE FROM outbox WHERE user_id NOT IN (SELECT id FROM users)")
    op.execute(
        "UPDATE outbox SET campaign_id = NULL"
        " WHERE campaign_id IS NOT NULL AND campaign_id NOT IN (SELECT id FROM campaigns)"
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_foreign_key(
            "fk_outbox_campaign_id_campaigns",
            "campaigns",
            ["campaign_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            "fk_outbox_user_id_users", "users", ["user_id"], ["id"], ondelete="CASCADE"
        )
