"""The people the statistics count: a video counts each track once, not every face-frame.

One row per face of a photo, per track of a video (by the top two of its mean probabilities
over the frames it is in: the track's main and alternative of the result) and per untracked
face of a video. The faces recorded before this revision are counted so too.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_EMOTIONS = ("angry", "disgusted", "fearful", "happy", "sad", "surprised", "neutral")
_COLUMNS = "analysis_id, source, created_at, track, frames, main, alternative, classifier"


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("analysis_id", sa.String(32), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("track", sa.Integer(), nullable=True),
        sa.Column("frames", sa.Integer(), nullable=False),
        sa.Column("main", sa.String(16), nullable=False),
        sa.Column("alternative", sa.String(16), nullable=False),
        sa.Column("classifier", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["analysis_id"],
            ["analyses.id"],
            name=op.f("fk_people_analysis_id_analyses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
    )
    op.create_index(op.f("ix_people_analysis_id"), "people", ["analysis_id"])
    op.create_index(
        "ix_people_source_created_at",
        "people",
        ["source", "created_at", "main", "alternative", "classifier"],
    )
    op.create_index(
        "ix_people_created_at", "people", ["created_at", "main", "alternative", "classifier"]
    )
    _count_recorded_faces()


def downgrade() -> None:
    op.drop_index("ix_people_created_at", table_name="people")
    op.drop_index("ix_people_source_created_at", table_name="people")
    op.drop_index(op.f("ix_people_analysis_id"), table_name="people")
    op.drop_table("people")


def _count_recorded_faces() -> None:
    """Untracked faces in SQL, one person each; tracks by their mean probabilities."""
    op.execute(
        f"INSERT INTO people ({_COLUMNS}) "
        "SELECT analysis_id, source, created_at, NULL, 1, main, alternative, classifier "
        "FROM faces WHERE track IS NULL"
    )
    means = ", ".join(f"AVG({name})" for name in _EMOTIONS)
    tracks = op.get_bind().execute(
        sa.text(
            "SELECT analysis_id, MIN(source), MIN(created_at), track, COUNT(*), "
            f"MIN(classifier), {means} FROM faces WHERE track IS NOT NULL "
            "GROUP BY analysis_id, track ORDER BY analysis_id, track"
        )
    )
    insert = sa.text(
        f"INSERT INTO people ({_COLUMNS}) VALUES (:analysis_id, :source, :created_at, "
        ":track, :frames, :main, :alternative, :classifier)"
    )
    batch: list[dict[str, object]] = []
    for analysis_id, source, created_at, track, frames, classifier, *mean in tracks:
        # Highest first; ties in the order of the emotions, as the results break them.
        order = sorted(range(len(_EMOTIONS)), key=lambda i: (-float(mean[i]), i))
        batch.append(
            {
                "analysis_id": analysis_id,
                "source": source,
                "created_at": created_at,
                "track": track,
                "frames": frames,
                "main": _EMOTIONS[order[0]],
                "alternative": _EMOTIONS[order[1]],
                "classifier": classifier,
            }
        )
    if batch:
        op.get_bind().execute(insert, batch)
