"""Initial tables: analyses, faces, source_posts, cursors.

Revision ID: 0001
Revises:
Create Date: 2025-01-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_EMOTIONS = ("angry", "disgusted", "fearful", "happy", "sad", "surprised", "neutral")


def upgrade() -> None:
    op.create_table(
        "analyses",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=True),
        sa.Column("detector", sa.String(32), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("media_sha256", sa.String(64), nullable=True),
        sa.Column("media_format", sa.String(16), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("faces", sa.Integer(), nullable=True),
        sa.Column("error_code", sa.String(32), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analyses")),
    )
    op.create_index(op.f("ix_analyses_status"), "analyses", ["status"])
    op.create_index(op.f("ix_analyses_media_sha256"), "analyses", ["media_sha256"])
    op.create_index(op.f("ix_analyses_created_at"), "analyses", ["created_at"])
    op.create_index("ix_analyses_source_created_at", "analyses", ["source", "created_at"])

    op.create_table(
        "faces",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("analysis_id", sa.String(32), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("frame_index", sa.Integer(), nullable=True),
        sa.Column("t", sa.Float(), nullable=True),
        sa.Column("track", sa.Integer(), nullable=True),
        sa.Column("x", sa.Integer(), nullable=False),
        sa.Column("y", sa.Integer(), nullable=False),
        sa.Column("w", sa.Integer(), nullable=False),
        sa.Column("h", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("main", sa.String(16), nullable=False),
        sa.Column("alternative", sa.String(16), nullable=False),
        *(sa.Column(name, sa.Float(), nullable=False) for name in _EMOTIONS),
        sa.ForeignKeyConstraint(
            ["analysis_id"],
            ["analyses.id"],
            name=op.f("fk_faces_analysis_id_analyses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faces")),
    )
    op.create_index(op.f("ix_faces_analysis_id"), "faces", ["analysis_id"])
    op.create_index(
        "ix_faces_source_created_at", "faces", ["source", "created_at", "main", "alternative"]
    )
    op.create_index("ix_faces_created_at", "faces", ["created_at", "main", "alternative"])

    op.create_table(
        "source_posts",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("post_id", sa.String(128), nullable=False),
        sa.Column("media_key", sa.String(256), nullable=False),
        sa.Column("account", sa.String(256), nullable=True),
        sa.Column("analysis_id", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["analysis_id"],
            ["analyses.id"],
            name=op.f("fk_source_posts_analysis_id_analyses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_posts")),
        sa.UniqueConstraint("source", "post_id", "media_key", name="uq_source_posts_key"),
    )
    op.create_index(op.f("ix_source_posts_analysis_id"), "source_posts", ["analysis_id"])

    op.create_table(
        "cursors",
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("account", sa.String(256), nullable=False),
        sa.Column("value", sa.String(256), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("source", "account", name=op.f("pk_cursors")),
    )


def downgrade() -> None:
    op.drop_table("cursors")
    op.drop_table("source_posts")
    op.drop_table("faces")
    op.drop_table("analyses")
