"""The bot: reply state per source post, landmark results, posts without an analysis.

A landmark bot's post has a landmark and no emotion analysis, so `analysis_id` becomes optional.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 12:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("source_posts") as batch:
        batch.alter_column("analysis_id", existing_type=sa.String(32), nullable=True)
        batch.add_column(sa.Column("landmark", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("reply_claimed_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("reply_id", sa.String(128), nullable=True))
        batch.add_column(sa.Column("replied_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    # Landmark posts have no analysis: they cannot exist under the first schema.
    op.execute("DELETE FROM source_posts WHERE analysis_id IS NULL")
    with op.batch_alter_table("source_posts") as batch:
        batch.drop_column("replied_at")
        batch.drop_column("reply_id")
        batch.drop_column("reply_claimed_at")
        batch.drop_column("landmark")
        batch.alter_column("analysis_id", existing_type=sa.String(32), nullable=False)
