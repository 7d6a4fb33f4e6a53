"""holders, coordinators, operations, broadcasts, progress history, outbox lanes

- `holders` (who holds which campaign) and `users.holder`, kept in step with it, so that an
  update knows its user's roles from the user's row.
- `invitations`: single-use deep links (only the token's SHA-256 is stored).
- `broadcasts`: a holder's news (later a coordinator's announcement), with its report message.
- `progress_history`: each change of a campaign's raised amount and backers, with its time.
- `follows.source`: the poster or link a follower came from; `campaigns.photo_file_id`.
- `applications` to calls for projects; `unplaced_projects` a platform sync could not place;
  sync state on `operations`; `campaigns.figures_at` and `campaigns.cancelled_at`.
- `operations` (a call for projects and a campaign window), their territory
  (`operation_areas`) and coordinators (`operation_coordinators`, `users.coordinator`);
  `campaigns.operation_id`; residents' consent to announcements and "new near me".
- `outbox.priority` (0 urgent, 1 bulk) and `outbox.broadcast_id`, so that news never delays a
  personal alert and a broadcast's progress can be counted.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = storage.models.UTCDateTime


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy on SQLite, which would drop the tables' triggers).
    op.add_column(
        "users", sa.Column("holder", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column(
        "users", sa.Column("coordinator", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column("users", sa.Column("announcements_consent", sa.Boolean(), nullable=True))
    op.add_column("users", sa.Column("consent_at", UTC(), nullable=True))
    op.add_column(
        "users",
        sa.Column("notify_new_nearby", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("campaigns", sa.Column("photo_file_id", sa.String(length=200), nullable=True))
    op.add_column("campaigns", sa.Column("operation_id", sa.Integer(), nullable=True))
    op.add_column("campaigns", sa.Column("figures_at", UTC(), nullable=True))
    op.add_column("campaigns", sa.Column("cancelled_at", UTC(), nullable=True))
    op.create_index("ix_campaigns_operation_id", "campaigns", ["operation_id"])
    create_operations()
    op.add_column("follows", sa.Column("source", sa.String(length=40), nullable=True))
    op.add_column("outbox", sa.Column("priority", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("outbox", sa.Column("broadcast_id", sa.Integer(), nullable=True))
    op.create_index("ix_outbox_broadcast_id", "outbox", ["broadcast_id"])
    op.create_index(
        "ix_outbox_status_priority_not_before", "outbox", ["status", "priority", "not_before"]
    )
    op.create_table(
        "holders",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("invited_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"],
            name="fk_holders_campaign_id_campaigns", ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_holders_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("campaign_id", "user_id", name="pk_holders"),
    )  # fmt: skip
    op.create_index("ix_holders_user_id", "holders", ["user_id"])
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("operation_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("expires_at", UTC(), nullable=False),
        sa.Column("used_at", UTC(), nullable=True),
        sa.Column("used_by", sa.BigInteger(), nullable=True),
        sa.Column("revoked_at", UTC(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"],
            name="fk_invitations_campaign_id_campaigns", ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["operation_id"], ["operations.id"],
            name="fk_invitations_operation_id_operations", ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_invitations"),
        sa.UniqueConstraint("token_hash", name="uq_invitations_token_hash"),
    )  # fmt: skip
    op.create_index("ix_invitations_campaign_id", "invitations", ["campaign_id"])
    op.create_index("ix_invitations_operation_id", "invitations", ["operation_id"])
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("operation_id", sa.Integer(), nullable=True),
        sa.Column("dedup_key", sa.String(length=100), nullable=True),
        sa.Column("author_id", sa.BigInteger(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("photo_file_id", sa.String(length=200), nullable=True),
        sa.Column("link_url", sa.String(length=500), nullable=True),
        sa.Column("link_label", sa.String(length=100), nullable=True),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("send_at", UTC(), nullable=True),
        sa.Column("queued_at", UTC(), nullable=True),
        sa.Column("cancelled_at", UTC(), nullable=True),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("report_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("report_message_id", sa.Integer(), nullable=True),
        sa.Column("report_done_at", UTC(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"],
            name="fk_broadcasts_campaign_id_campaigns", ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["operation_id"], ["operations.id"],
            name="fk_broadcasts_operation_id_operations", ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_broadcasts"),
        sa.UniqueConstraint("dedup_key", name="uq_broadcasts_dedup_key"),
    )  # fmt: skip
    op.create_index("ix_broadcasts_operation_id", "broadcasts", ["operation_id"])
    op.create_index(
        "ix_broadcasts_campaign_id_created_at", "broadcasts", ["campaign_id", "created_at"]
    )
    op.create_table(
        "progress_history",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("at", UTC(), nullable=False),
        sa.Column("raised_cents", sa.BigInteger(), nullable=False),
        sa.Column("backers", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("by_user", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"],
            name="fk_progress_history_campaign_id_campaigns", ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_progress_history"),
    )  # fmt: skip
    op.create_index("ix_progress_history_campaign_id_at", "progress_history", ["campaign_id", "at"])


def create_operations() -> None:
    op.create_table(
        "operations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("platform", sa.String(length=100), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=True),
        sa.Column("call_opens_at", UTC(), nullable=True),
        sa.Column("call_closes_at", UTC(), nullable=True),
        sa.Column("launch_at", UTC(), nullable=True),
        sa.Column("ends_at", UTC(), nullable=True),
        sa.Column("remind_call_7d", sa.Boolean(), nullable=False),
        sa.Column("remind_call_1d", sa.Boolean(), nullable=False),
        sa.Column("remind_launch", sa.Boolean(), nullable=False),
        sa.Column("sync_source", sa.String(length=300), nullable=True),
        sa.Column("sync_tried_at", UTC(), nullable=True),
        sa.Column("synced_at", UTC(), nullable=True),
        sa.Column("sync_error", sa.String(length=300), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("updated_at", UTC(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_operations"),
    )
    op.create_table(
        "operation_areas",
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=12), nullable=False),
        sa.Column("code", sa.String(length=5), nullable=False),
        sa.ForeignKeyConstraint(
            ["operation_id"], ["operations.id"],
            name="fk_operation_areas_operation_id_operations", ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("operation_id", "level", "code", name="pk_operation_areas"),
    )  # fmt: skip
    op.create_table(
        "operation_coordinators",
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(
            ["operation_id"], ["operations.id"],
            name="fk_operation_coordinators_operation_id_operations", ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"],
            name="fk_operation_coordinators_user_id_users", ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("operation_id", "user_id", name="pk_operation_coordinators"),
    )  # fmt: skip
    op.create_index("ix_operation_coordinators_user_id", "operation_coordinators", ["user_id"])
    create_applications()


def create_applications() -> None:
    op.create_table(
        "applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("applicant_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("project_name", sa.String(length=200), nullable=False),
        sa.Column("holder_name", sa.String(length=200), nullable=False),
        sa.Column("holder_type", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("commune_insee", sa.String(length=5), nullable=False),
        sa.Column("goal_cents", sa.BigInteger(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.BigInteger(), nullable=True),
        sa.Column("decided_at", UTC(), nullable=True),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("updated_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(
            ["operation_id"], ["operations.id"],
            name="fk_applications_operation_id_operations", ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["applicant_id"], ["users.id"],
            name="fk_applications_applicant_id_users", ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_applications"),
    )  # fmt: skip
    op.create_index(
        "ix_applications_operation_id_status", "applications", ["operation_id", "status"]
    )
    op.create_index("ix_applications_applicant_id", "applications", ["applicant_id"])
    op.create_table(
        "unplaced_projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("city", sa.String(length=200), nullable=True),
        sa.Column("country", sa.String(length=10), nullable=True),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("seen_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(
            ["operation_id"], ["operations.id"],
            name="fk_unplaced_projects_operation_id_operations", ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_unplaced_projects"),
        sa.UniqueConstraint("source", "external_id", name="uq_unplaced_projects_source"),
    )  # fmt: skip
    op.create_index("ix_unplaced_projects_operation_id", "unplaced_projects", ["operation_id"])


def downgrade() -> None:
    for table in (
        "progress_history", "broadcasts", "invitations", "holders", "unplaced_projects",
        "applications", "operation_coordinators", "operation_areas", "operations",
    ):  # fmt: skip
        op.drop_table(table)
    op.drop_index("ix_campaigns_operation_id", table_name="campaigns")
    op.drop_index("ix_outbox_status_priority_not_before", table_name="outbox")
    op.drop_index("ix_outbox_broadcast_id", table_name="outbox")
    with op.batch_alter_table("outbox", recreate="never") as batch_op:
        batch_op.drop_column("broadcast_id")
        batch_op.drop_column("priority")
    with op.batch_alter_table("follows", recreate="never") as batch_op:
        batch_op.drop_column("source")
    with op.batch_alter_table("campaigns", recreate="never") as batch_op:
        for column in ("cancelled_at", "figures_at", "operation_id", "photo_file_id"):
            batch_op.drop_column(column)
    with op.batch_alter_table("users", recreate="never") as batch_op:
        for column in (
            "notify_new_nearby", "consent_at", "announcements_consent", "coordinator", "holder"
        ):  # fmt: skip
            batch_op.drop_column(column)
