"""the chosen language apart from Telegram's; last seen, for retention

- `users.locale` now holds only a language chosen in /settings; `users.language_code` the
  language of the user's Telegram app as last seen, which the bot follows until one is chosen.
  Until now the first contact's language was stored as if chosen: it moves to
  `language_code`, so that everyone follows their Telegram until they choose.
- `users.last_seen_at` (at most a week old while the user comes) and `users.retention_warned_at`
  for the retention of inactive residents (RETENTION_DAYS); the last write stands for the last
  visit of those already there.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 16:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy on SQLite, which would drop the users' triggers).
    op.add_column("users", sa.Column("language_code", sa.String(length=8), nullable=True))
    op.add_column("users", sa.Column("last_seen_at", storage.models.UTCDateTime(), nullable=True))
    op.add_column(
        "users", sa.Column("retention_warned_at", storage.models.UTCDateTime(), nullable=True)
    )
    op.execute("UPDATE users SET language_code = locale, locale = NULL, last_seen_at = updated_at")


def downgrade() -> None:
    op.execute("UPDATE users SET locale = language_code WHERE locale IS NULL")
    with op.batch_alter_table("users", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("retention_warned_at")
        batch_op.drop_column("last_seen_at")
        batch_op.drop_column("language_code")
