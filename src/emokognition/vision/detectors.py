"""The `FaceDetector` interface and the registry of detectors by name."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from emokognition.config import DETECTORS
from emokognition.vision.faces import Detection


@runtime_checkable
class FaceDetector(Protocol):
    """Anything that finds faces in a BGR image."""

    name: str

    def detect(self, image_bgr: NDArray[np.uint8]) -> list[Detection]:
        """Faces in a (H, W, 3) uint8 BGR image, boxes in its pixel coordinates."""
        ...


def create_detector(name: str, *, threads: int = 0, tiles: int = 0, size: int = 0) -> FaceDetector:
    """A new detector by name: "blazeface", "haar" or "dlib".

    BlazeFace only: `tiles` adds overlapping tiles per side, `size` a larger input for the
    whole image (longer side, pixels), both for small faces in large images.

    Raises:
        ValueError: Unknown name.
    """
    if name == "blazeface":
        from emokognition.vision.blazeface import BlazeFace

        return BlazeFace(tiles=tiles, size=size, threads=threads)
    if name == "haar":
        from emokognition.vision.haar import HaarDetector

        return HaarDetector()
    if name == "dlib":
        from emokognition.vision.dlib_hog import DlibDetector

        return DlibDetector()
    raise ValueError(f"unknown detector {name!r} ({', '.join(DETECTORS)})")
