"""The one write path of what the statistics count: a result's faces (one row per face per
analysed frame) and its people (`store.people`), inserted together in the caller's
transaction. A finished analysis and each window of a live stream are recorded through it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from emokognition.emotions import EMOTIONS
from emokognition.store.models import FaceRow, PersonRow
from emokognition.store.people import person_rows


@dataclass(frozen=True, slots=True)
class Recorded:
    """What `record_faces` inserted: the face rows' count and the people rows themselves."""

    faces: int
    people: tuple[dict[str, Any], ...]


def record_faces(
    *, session: Session, result: dict[str, Any], analysis_id: str, source: str, at: datetime
) -> Recorded:
    """Insert the faces and the people of a result of the contract (image, video, or a
    stream's window), dated `at`, under the analysis `analysis_id`."""
    faces = list(face_rows(result, analysis_id=analysis_id, source=source, at=at))
    if not faces:
        return Recorded(faces=0, people=())
    session.execute(insert(FaceRow), faces)
    people = person_rows(result, analysis_id=analysis_id, source=source, at=at)
    session.execute(insert(PersonRow), people)
    return Recorded(faces=len(faces), people=tuple(people))


def face_count(result: dict[str, Any]) -> int:
    """The face rows `record_faces` inserts for a result (a video's face-frames)."""
    return sum(len(frame.get("faces", [])) for frame in result.get("frames", [result]))


def face_rows(
    result: dict[str, Any], *, analysis_id: str, source: str, at: datetime
) -> Iterable[dict[str, Any]]:
    """Flatten the result contract: image faces, or every face of every analysed video frame."""
    if "frames" in result:
        frames = [
            (frame.get("index"), frame.get("t"), frame.get("faces", []))
            for frame in result["frames"]
        ]
    else:
        frames = [(None, None, result.get("faces", []))]
    classifier = str(result["model"]["classifier"])
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
