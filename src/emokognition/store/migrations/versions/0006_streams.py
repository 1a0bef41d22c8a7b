"""Live streams: a stream's job state and counters, and its windows, each recorded once.

A stream's faces and people hang on an analysis row of the same id (kind "stream"), so that
the statistics count a stream as they count a video.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "streams",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("fps", sa.Float(), nullable=False),
        sa.Column("window", sa.Float(), nullable=False),
        sa.Column("max_seconds", sa.Float(), nullable=False),
        sa.Column("detector", sa.String(32), nullable=True),
        sa.Column("classifier", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("last_window_at", sa.DateTime(), nullable=True),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("stop_requested", sa.Boolean(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("windows", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("frames", sa.Integer(), nullable=False),
        sa.Column("next_frame", sa.Integer(), nullable=False),
        sa.Column("faces", sa.Integer(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("tracks", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("reconnects", sa.Integer(), nullable=False),
        sa.Column("end_reason", sa.String(16), nullable=True),
        sa.Column("error_code", sa.String(32), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["id"], ["analyses.id"], name=op.f("fk_streams_id_analyses"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_streams")),
    )
    op.create_index(op.f("ix_streams_status"), "streams", ["status"])
    op.create_index(op.f("ix_streams_created_at"), "streams", ["created_at"])
    op.create_table(
        "stream_windows",
        sa.Column("stream_id", sa.String(32), nullable=False),
        sa.Column("window_index", sa.Integer(), nullable=False),
        sa.Column("t_start", sa.Float(), nullable=False),
        sa.Column("t_end", sa.Float(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("faces", sa.Integer(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("main", sa.String(16), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["stream_id"],
            ["streams.id"],
            name=op.f("fk_stream_windows_stream_id_streams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("stream_id", "window_index", name=op.f("pk_stream_windows")),
    )


def downgrade() -> None:
    op.drop_table("stream_windows")
    op.drop_index(op.f("ix_streams_created_at"), table_name="streams")
    op.drop_index(op.f("ix_streams_status"), table_name="streams")
    op.drop_table("streams")
    # The analyses of streams lose what made them streams: drop them with their faces.
    for table in ("faces", "people"):
        op.execute(
            f"DELETE FROM {table} WHERE analysis_id IN "
            "(SELECT id FROM analyses WHERE kind = 'stream')"
        )
    op.execute("DELETE FROM analyses WHERE kind = 'stream'")
