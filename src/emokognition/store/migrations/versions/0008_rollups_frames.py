"""Statistics rollups: people by main and by alternative emotion, and analyses created, per
hour, day and month, source and classifier; counted here from the rows recorded before. A video's
analysed frames as rows (its faces are face rows, found by analysis and frame index), so that
its result is written in chunks and served in pages; older results keep their frames inline.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = "period, start, source, classifier, axis, emotion, tally"
# SQLAlchemy keeps SQLite datetimes as this text; a truncated moment must read the same.
_SQLITE_FORMATS = {
    "hour": "%Y-%m-%d %H:00:00.000000",
    "day": "%Y-%m-%d 00:00:00.000000",
    "month": "%Y-%m-01 00:00:00.000000",
}


def upgrade() -> None:
    op.create_table(
        "rollups",
        sa.Column("period", sa.String(8), nullable=False),
        sa.Column("start", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("classifier", sa.String(64), nullable=False),
        sa.Column("axis", sa.String(16), nullable=False),
        sa.Column("emotion", sa.String(16), nullable=False),
        sa.Column("tally", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "period", "start", "source", "classifier", "axis", "emotion", name=op.f("pk_rollups")
        ),
    )
    _backfill()
    op.create_table(
        "frames",
        sa.Column("analysis_id", sa.String(32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("frame_index", sa.Integer(), nullable=False),
        sa.Column("t", sa.Float(), nullable=False),
        sa.Column("faces", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["analysis_id"],
            ["analyses.id"],
            name=op.f("fk_frames_analysis_id_analyses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("analysis_id", "position", name=op.f("pk_frames")),
    )
    op.create_index(
        "ix_faces_analysis_id_frame_index", "faces", ["analysis_id", "frame_index", "position"]
    )
    op.drop_index("ix_faces_analysis_id", table_name="faces")


def downgrade() -> None:
    op.create_index("ix_faces_analysis_id", "faces", ["analysis_id"])
    op.drop_index("ix_faces_analysis_id_frame_index", table_name="faces")
    op.drop_table("frames")
    op.drop_table("rollups")


def _backfill() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for period in ("hour", "day", "month"):
        people = _truncate("people.created_at", period, sqlite=sqlite)
        for axis in ("main", "alternative"):
            op.execute(
                f"INSERT INTO rollups ({_COLUMNS}) "
                f"SELECT '{period}', {people}, source, classifier, '{axis}', {axis}, COUNT(*) "
                f"FROM people GROUP BY {people}, source, classifier, {axis}"
            )
        analyses = _truncate("analyses.created_at", period, sqlite=sqlite)
        op.execute(
            f"INSERT INTO rollups ({_COLUMNS}) "
            f"SELECT '{period}', {analyses}, source, '', 'analyses', '', COUNT(*) "
            f"FROM analyses GROUP BY {analyses}, source"
        )


def _truncate(column: str, period: str, *, sqlite: bool) -> str:
    if sqlite:
        return f"strftime('{_SQLITE_FORMATS[period]}', {column})"
    return f"date_trunc('{period}', {column})"
