"""Results as pandas DataFrames, for notebooks: one row per face, one column per emotion.

pandas is an extra (`emokognition[pandas]`); it is imported on first use only, so the base
install never loads it.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from emokognition.emotions import EMOTIONS
from emokognition.errors import MissingExtra
from emokognition.vision.faces import Face

if TYPE_CHECKING:
    import pandas as pd

FACE_COLUMNS = ("x", "y", "w", "h", "score", *EMOTIONS, "main", "alternative")
"""The columns of a face row, after any leading columns (frame, time, track) of a video."""


def pandas() -> Any:
    """The pandas module, or a one-line error naming the extra that installs it.

    Raises:
        MissingExtra: pandas is not installed.
    """
    try:
        return importlib.import_module("pandas")
    except ImportError as exc:
        raise MissingExtra("DataFrames", "pandas") from exc


def face_row(face: Face) -> dict[str, Any]:
    """One face as a row of `FACE_COLUMNS`."""
    x, y, w, h = face.box
    return {
        "x": x,
        "y": y,
        "w": w,
        "h": h,
        "score": face.score,
        **{name: face.emotions[name] for name in EMOTIONS},
        "main": face.main,
        "alternative": face.alternative,
    }


def frame_of(rows: Iterable[dict[str, Any]], columns: tuple[str, ...]) -> pd.DataFrame:
    """A DataFrame of `rows` with exactly `columns`, typed even when there are no rows."""
    frame: pd.DataFrame = pandas().DataFrame(list(rows), columns=list(columns))
    for name in columns:
        if name in ("score", "t", *EMOTIONS):
            frame[name] = frame[name].astype("float64")
    for name in ("main", "alternative"):
        if name in frame:
            frame[name] = frame[name].astype("category").cat.set_categories(EMOTIONS)
    return frame


def faces_frame(faces: Iterable[Face]) -> pd.DataFrame:
    """One row per face: box, detection score, the seven probabilities, main and alternative."""
    return frame_of((face_row(face) for face in faces), FACE_COLUMNS)
