"""campaign grid cells for nearby queries

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 18:43:07.533564
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cell", sa.Integer(), nullable=False, server_default="0"))
        batch_op.create_index(
            "ix_campaigns_cell_nearby",
            ["cell", "ends_at", "starts_at", "lat", "lon", "category"],
            unique=False,
        )
    # The same arithmetic as storage.geo.cell_of (truncation of non-negative numbers).
    to_int = "FLOOR" if op.get_bind().dialect.name == "postgresql" else ""
    op.execute(
        f"UPDATE campaigns SET cell = CAST({to_int}((lat + 90.0) / 0.1) AS INTEGER) * 4000"
        f" + CAST({to_int}((lon + 180.0) / 0.1) AS INTEGER)"
    )


def downgrade() -> None:
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_index("ix_campaigns_cell_nearby")
        batch_op.drop_column("cell")
