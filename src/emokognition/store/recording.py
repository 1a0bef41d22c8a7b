"""The one write path of what the statistics count: a result's faces (one row per face per
analysed frame), its people (`store.people`) and their rollups (`store.rollups`), inserted
together in the caller's transaction. A finished analysis and each window of a live stream
are recorded through it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from emokognition.store.frames import FrameFaces, insert_faces
from emokognition.store.models import FaceRow, PersonRow, table
from emokognition.store.people import person_rows
from emokognition.store.rollups import count_people


@dataclass(frozen=True, slots=True)
class Recorded:
    """What `record_faces` inserted: the face rows' count and the people rows themselves."""

    faces: int
    people: tuple[dict[str, Any], ...]


def record_faces(
    *, session: Session, result: dict[str, Any], analysis_id: str, source: str, at: datetime
) -> Recorded:
    """Insert the faces and the people of a result of the contract (image, video, or a
    stream's window), dated `at`, under the analysis `analysis_id`, and count the people.

    A video result without `frames` is one whose frames and faces were written in chunks as
    it was analysed (`store.frames.append_frames`): only its people are inserted here, its
    tracks and its untracked face rows.
    """
    untracked: list[tuple[str, str]] = []
    if chunked(result):  # its face rows are in already
        faces = face_count(result)
        untracked = _untracked_faces(session, analysis_id)
    else:
        faces = insert_faces(
            session=session,
            frames=_frames(result),
            analysis_id=analysis_id,
            source=source,
            at=at,
            classifier=str(result["model"]["classifier"]),
        )
    people = person_rows(result, analysis_id=analysis_id, source=source, at=at, untracked=untracked)
    if people:  # Core, as the faces
        session.execute(insert(table(PersonRow)), people)
        count_people(session=session, people=people)
    return Recorded(faces=faces, people=tuple(people))


def chunked(result: dict[str, Any]) -> bool:
    """Whether a video result's frames were written as rows while it was analysed."""
    return "frames" not in result and result.get("media", {}).get("kind") == "video"


def face_count(result: dict[str, Any]) -> int:
    """The face rows a result has (a video's face-frames), in rows or in its frames."""
    if chunked(result):
        return int(result["summary"]["faces"])
    return sum(len(faces) for _, _, faces in _frames(result))


def _frames(result: dict[str, Any]) -> Iterable[FrameFaces]:
    """(frame index, t, faces) of a video's or a window's frames; (None, None, faces) of a photo."""
    if "frames" in result:
        return [
            (frame.get("index"), frame.get("t"), frame.get("faces", []))
            for frame in result["frames"]
        ]
    return [(None, None, result.get("faces", []))]


def _untracked_faces(session: Session, analysis_id: str) -> list[tuple[str, str]]:
    """(main, alternative) of the face rows of an analysis that belong to no track."""
    rows = session.execute(
        select(FaceRow.main, FaceRow.alternative)
        .where(FaceRow.analysis_id == analysis_id, FaceRow.track.is_(None))
        .order_by(FaceRow.frame_index, FaceRow.position)
    )
    return [(main, alternative) for main, alternative in rows]
