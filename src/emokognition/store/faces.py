"""Reading back the recorded faces of one analysis, in the order they were recorded, in
chunks: a long video's faces are never all in memory at once."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from emokognition.emotions import EMOTIONS
from emokognition.store.models import FaceRow


@dataclass(frozen=True, slots=True)
class RecordedFace:
    """One face row: a face of a photo, or of one analysed frame of a video or stream.

    Attributes:
        id: The row's id; rows of one analysis are recorded in the order of its result.
        frame: The frame's index in the video; None for a photo.
        t: The frame's time in seconds; None for a photo.
        track: The person followed through the video; None for a photo or untracked face.
        box: (x, y, w, h) in pixels.
    """

    id: int
    frame: int | None
    t: float | None
    track: int | None
    box: tuple[int, int, int, int]
    score: float
    emotions: dict[str, float]
    main: str
    alternative: str


def list_faces(
    *, session: Session, analysis_id: str, after: int = 0, limit: int = 5000
) -> tuple[RecordedFace, ...]:
    """Up to `limit` faces of the analysis whose row id is above `after`, in recorded order
    (pass the last one's id as `after` for the next chunk)."""
    rows = session.scalars(
        select(FaceRow)
        .where(FaceRow.analysis_id == analysis_id, FaceRow.id > after)
        .order_by(FaceRow.id)
        .limit(limit)
    )
    return tuple(
        RecordedFace(
            id=row.id,
            frame=row.frame_index,
            t=row.t,
            track=row.track,
            box=(row.x, row.y, row.w, row.h),
            score=row.score,
            emotions={name: float(getattr(row, name)) for name in EMOTIONS},
            main=row.main,
            alternative=row.alternative,
        )
        for row in rows
    )
