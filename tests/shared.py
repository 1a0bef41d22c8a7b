"""Where the shared test data lives: ../shared/data beside the repository, never copied in."""

from __future__ import annotations

import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
PHOTOS = SHARED_DATA / "photos"
VIDEOS = SHARED_DATA / "videos"
FER2013_PUBLICTEST = SHARED_DATA / "fer2013" / "publictest.npz"
SAMPLE_PHOTO = REPO / "src" / "emokognition" / "vision" / "samples" / "grace_hopper.jpg"


def labelled_boxes() -> dict[str, list[list[int]]]:
    """faces.json of the shared photos: file -> [[x, y, w, h], ...]."""
    boxes: dict[str, list[list[int]]] = json.loads((PHOTOS / "faces.json").read_text())
    return boxes
