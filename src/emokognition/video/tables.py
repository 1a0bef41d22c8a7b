"""Video results as pandas DataFrames: faces per frame, tracks, the audience timeline."""

from __future__ import annotations

from typing import TYPE_CHECKING

from emokognition.emotions import EMOTIONS
from emokognition.vision.tables import FACE_COLUMNS, face_row, frame_of

if TYPE_CHECKING:
    import pandas as pd

    from emokognition.video.results import VideoResult

FRAME_FACE_COLUMNS = ("frame", "t", "track", *FACE_COLUMNS)
TRACK_COLUMNS = ("track", "start", "end", "seconds", "frames", *EMOTIONS, "main", "alternative")
AUDIENCE_COLUMNS = (
    "start",
    "end",
    "frames",
    "faces",
    "people",
    *EMOTIONS,
    *(f"{name}_share" for name in EMOTIONS),
    "main",
    "alternative",
)
"""An audience span: its mean probabilities under the emotions' names, then main-emotion
shares as `<emotion>_share` (empty spans have no values there)."""


def video_faces_frame(result: VideoResult) -> pd.DataFrame:
    """One row per face per analysed frame: frame index, seconds, track, then the face."""
    rows = (
        {"frame": frame.index, "t": frame.t, "track": face.track, **face_row(face)}
        for frame in result.frames
        for face in frame.faces
    )
    table = frame_of(rows, FRAME_FACE_COLUMNS)
    table["track"] = table["track"].astype("Int64")  # untracked faces stay missing, not NaN
    return table


def tracks_frame(result: VideoResult) -> pd.DataFrame:
    """One row per person followed: on-screen span, frames, mean probabilities, main."""
    rows = (
        {
            "track": track.id,
            "start": track.start,
            "end": track.end,
            "seconds": track.seconds,
            "frames": track.frames,
            **track.emotions,
            "main": track.main,
            "alternative": track.alternative,
        }
        for track in result.tracks
    )
    return frame_of(rows, TRACK_COLUMNS)


def audience_frame(result: VideoResult) -> pd.DataFrame:
    """One row per span of the `audience` timeline of the video contract."""
    spans = [mood.to_dict() for mood in result.audience]  # not the whole result's dict
    rows = (
        {
            **{key: span[key] for key in ("start", "end", "frames", "faces", "people")},
            **(span.get("emotions") or {}),
            **{f"{name}_share": p for name, p in (span.get("shares") or {}).items()},
            "main": span.get("main"),
            "alternative": span.get("alternative"),
        }
        for span in spans
    )
    table = frame_of(rows, AUDIENCE_COLUMNS)
    for name in AUDIENCE_COLUMNS[5:-2]:
        table[name] = table[name].astype("float64")
    return table
