"""The classifier's name on every analysis and every face row.

Two classifiers ship, so the statistics must be able to tell their faces apart: every face row
records the classifier that gave its emotions, and the covering statistics indexes end with
it. Every face recorded before this revision was classified by the only classifier there was.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 02:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = "mini-xception-fer2013"


def upgrade() -> None:
    with op.batch_alter_table("analyses") as batch:
        batch.add_column(sa.Column("classifier", sa.String(64), nullable=True))
    with op.batch_alter_table("faces") as batch:
        batch.add_column(sa.Column("classifier", sa.String(64), nullable=True))
    op.execute(sa.text("UPDATE faces SET classifier = :name").bindparams(name=BEFORE))
    with op.batch_alter_table("faces") as batch:
        batch.alter_column("classifier", existing_type=sa.String(64), nullable=False)
        batch.drop_index("ix_faces_source_created_at")
        batch.drop_index("ix_faces_created_at")
        batch.create_index(
            "ix_faces_source_created_at",
            ["source", "created_at", "main", "alternative", "classifier"],
        )
        batch.create_index(
            "ix_faces_created_at", ["created_at", "main", "alternative", "classifier"]
        )


def downgrade() -> None:
    with op.batch_alter_table("faces") as batch:
        batch.drop_index("ix_faces_source_created_at")
        batch.drop_index("ix_faces_created_at")
        batch.drop_column("classifier")
        batch.create_index(
            "ix_faces_source_created_at", ["source", "created_at", "main", "alternative"]
        )
        batch.create_index("ix_faces_created_at", ["created_at", "main", "alternative"])
    with op.batch_alter_table("analyses") as batch:
        batch.drop_column("classifier")
