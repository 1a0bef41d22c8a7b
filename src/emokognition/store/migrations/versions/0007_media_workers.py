"""Stored media as rows (the lock that keeps a file while analyses use it) and the Celery
workers' heartbeats.

Every file that analyses use gets its row, so that uploads and deletes of the same bytes take
one lock; the media already stored are recorded from the analyses that use them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 23:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "media",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("stored_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_media")),
    )
    op.execute(
        "INSERT INTO media (sha256, stored_at, used_at) "
        "SELECT media_sha256, MIN(created_at), MAX(created_at) FROM analyses "
        "WHERE media_sha256 IS NOT NULL GROUP BY media_sha256"
    )
    op.create_table(
        "workers",
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("queue", sa.String(255), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_workers")),
    )
    op.create_index(op.f("ix_workers_seen_at"), "workers", ["seen_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_workers_seen_at"), table_name="workers")
    op.drop_table("workers")
    op.drop_table("media")
