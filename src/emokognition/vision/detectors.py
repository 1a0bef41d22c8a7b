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


def create_detector(
    name: str,
    *,
    threads: int = 0,
    tiles: int = 0,
    size: int = 0,
    min_face: int = 0,
    pyramid: str = "adaptive",
) -> FaceDetector:
    """A new detector by name: "blazeface", "haar" or "dlib".

    BlazeFace only: `min_face` is the smallest face side to find, picture pixels (a pyramid of
    scales searched as `pyramid` says, "adaptive" or "full"; 0: one pass at `size`;
    `Settings.min_face` and `Settings.pyramid` give the defaults); `size` a single
    whole-picture input instead (longer side, pixels); `tiles` adds overlapping tiles per side.

    Raises:
        ValueError: Unknown name or pyramid.
    """
    if name == "blazeface":
        from emokognition.vision.blazeface import BlazeFace

        return BlazeFace(
            tiles=tiles, size=size, min_face=min_face, pyramid=pyramid, threads=threads
        )
    if name == "haar":
        from emokognition.vision.haar import HaarDetector

        return HaarDetector()
    if name == "dlib":
        from emokognition.extras import require

        require("the dlib detector", "dlib")
        from emokognition.vision.dlib_hog import DlibDetector

        return DlibDetector()
    raise ValueError(f"unknown detector {name!r} ({', '.join(DETECTORS)})")
