"""A video's analysed frames as rows: written in chunks while the video is analysed (fenced by
the job's attempt, like every job write), read back a page at a time in the result contract.

A result recorded before (or by a caller that gives whole results) keeps its frames inside
the analysis's JSON; `frame_page` reads both.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from emokognition.emotions import EMOTIONS
from emokognition.store.models import AnalysisRow, FaceRow, FrameRow, table

FrameFaces = tuple[int | None, float | None, Sequence[dict[str, Any]]]
"""(frame index, t, faces of the contract) of one frame; (None, None, faces) for an image."""


@dataclass(frozen=True, slots=True)
class FramePage:
    """Frames `offset` to `offset + limit` of a video result (the contract's frame dicts), and
    how many it has in all."""

    items: tuple[dict[str, Any], ...]
    total: int
    offset: int
    limit: int


def append_frames(
    *,
    session: Session,
    analysis_id: str,
    attempt: int,
    frames: Sequence[dict[str, Any]],
    first: int,
    classifier: str,
) -> bool:
    """Record a chunk of a running video analysis: `frames` (the contract's frame dicts, the
    first one numbered `first` from 0) and their faces.

    Returns:
        False, recording nothing, when the job is no longer this attempt's.
    """
    # A no-op update: the fence, and the row lock that a takeover's claim waits for.
    fenced = session.execute(
        update(AnalysisRow)
        .where(
            AnalysisRow.id == analysis_id,
            AnalysisRow.status == "running",
            AnalysisRow.attempts == attempt,
        )
        .values(attempts=AnalysisRow.attempts)
        .returning(AnalysisRow.source, AnalysisRow.created_at)
    ).first()
    if fenced is None:
        return False
    source, at = fenced
    session.execute(
        insert(table(FrameRow)),
        [
            {
                "analysis_id": analysis_id,
                "position": first + n,
                "frame_index": frame["index"],
                "t": frame["t"],
                "faces": len(frame["faces"]),
            }
            for n, frame in enumerate(frames)
        ],
    )
    insert_faces(
        session=session,
        frames=((frame["index"], frame["t"], frame["faces"]) for frame in frames),
        analysis_id=analysis_id,
        source=source,
        at=at,
        classifier=classifier,
    )
    return True


def insert_faces(
    *,
    session: Session,
    frames: Iterable[FrameFaces],
    analysis_id: str,
    source: str,
    at: datetime,
    classifier: str,
) -> int:
    """Insert the face rows of frames of the contract; returns how many."""
    rows = list(
        face_rows(frames, analysis_id=analysis_id, source=source, at=at, classifier=classifier)
    )
    if rows:  # Core: many rows in one executemany, without the ORM's bulk path
        session.execute(insert(table(FaceRow)), rows)
    return len(rows)


def clear_frames(*, session: Session, analysis_id: str) -> None:
    """Delete the frames and faces an analysis has so far: a lost attempt's, before a new
    attempt writes its own."""
    session.execute(delete(FrameRow).where(FrameRow.analysis_id == analysis_id))
    session.execute(delete(FaceRow).where(FaceRow.analysis_id == analysis_id))


def frame_page(
    *, session: Session, analysis_id: str, result: dict[str, Any], offset: int, limit: int
) -> FramePage:
    """Frames `offset` to `offset + limit` of a video analysis's `result`: from its JSON when
    the frames are there, else from the frame and face rows."""
    inline = result.get("frames")
    if isinstance(inline, list):
        items = tuple(inline[offset : offset + limit])
        return FramePage(items=items, total=len(inline), offset=offset, limit=limit)
    total = session.scalar(
        select(func.count()).select_from(FrameRow).where(FrameRow.analysis_id == analysis_id)
    )
    rows = session.execute(
        select(FrameRow.frame_index, FrameRow.t)
        .where(
            FrameRow.analysis_id == analysis_id,
            FrameRow.position >= offset,
            FrameRow.position < offset + limit,
        )
        .order_by(FrameRow.position)
    ).all()
    faces = _faces_of(session, analysis_id, [index for index, _ in rows])
    items = tuple({"index": index, "t": t, "faces": faces.get(index, [])} for index, t in rows)
    return FramePage(items=items, total=int(total or 0), offset=offset, limit=limit)


def face_rows(
    frames: Iterable[FrameFaces],
    *,
    analysis_id: str,
    source: str,
    at: datetime,
    classifier: str,
) -> Iterable[dict[str, Any]]:
    """Rows of the faces table for the faces of the contract, frame by frame."""
    for frame_index, t, faces in frames:
        for position, face in enumerate(faces):
            x, y, w, h = (int(v) for v in face["box"])
            yield {
                "analysis_id": analysis_id,
                "source": source,
                "created_at": at,
                "position": position,
                "frame_index": frame_index,
                "t": t,
                "track": face.get("track"),
                "x": x,
                "y": y,
                "w": w,
                "h": h,
                "score": float(face["score"]),
                "main": face["main"],
                "alternative": face["alternative"],
                "classifier": classifier,
                **{name: float(face["emotions"][name]) for name in EMOTIONS},
            }


def _faces_of(
    session: Session, analysis_id: str, indices: list[int]
) -> dict[int, list[dict[str, Any]]]:
    """The faces of these frames, as the contract gives them, in each frame's order."""
    if not indices:
        return {}
    rows = session.scalars(
        select(FaceRow)
        .where(
            FaceRow.analysis_id == analysis_id,
            FaceRow.frame_index >= min(indices),
            FaceRow.frame_index <= max(indices),
        )
        .order_by(FaceRow.frame_index, FaceRow.position)
    )
    out: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        face: dict[str, Any] = {
            "box": [row.x, row.y, row.w, row.h],
            "score": row.score,
            "emotions": {name: getattr(row, name) for name in EMOTIONS},
            "main": row.main,
            "alternative": row.alternative,
        }
        if row.track is not None:
            face["track"] = row.track
        out.setdefault(int(row.frame_index or 0), []).append(face)
    return out
