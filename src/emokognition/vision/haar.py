"""OpenCV Haar cascade detector with the original bot's adaptive retry."""

from __future__ import annotations

import threading
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from emokognition.errors import ModelError
from emokognition.vision.faces import Detection

# (scaleFactor, minNeighbors): strict first; each later pass is tried only when the
# previous one found nothing, on the assumption that a posted picture shows a face.
RETRY_PASSES: tuple[tuple[float, int], ...] = ((1.3, 5), (1.1, 4), (1.05, 3), (1.05, 1))


class HaarDetector:
    """Frontal-face Haar cascade; keeps every face of the first pass that finds any.

    Haar gives no confidence, so every detection has score 1.0.
    """

    name = "haar"

    def __init__(self, *, adaptive: bool = True, min_size: int = 20) -> None:
        cascades = Path(cv2.data.haarcascades)  # type: ignore[attr-defined]
        path = cascades / "haarcascade_frontalface_default.xml"
        self._cascade = cv2.CascadeClassifier(str(path))
        if self._cascade.empty():
            raise ModelError(f"cannot load Haar cascade {path}")
        self._passes = RETRY_PASSES if adaptive else RETRY_PASSES[:1]
        self._min_size = min_size
        # CascadeClassifier keeps per-call state; OpenCV does not promise it is re-entrant.
        self._lock = threading.Lock()

    def detect(self, image_bgr: NDArray[np.uint8]) -> list[Detection]:
        """Faces in a (H, W, 3) uint8 BGR image, in its pixel coordinates."""
        gray = cv2.equalizeHist(cv2.cvtColor(image_bgr, cv2.COLOR_BGR2GRAY))
        for scale_factor, min_neighbors in self._passes:
            with self._lock:
                found = self._cascade.detectMultiScale(
                    gray,
                    scaleFactor=scale_factor,
                    minNeighbors=min_neighbors,
                    minSize=(self._min_size, self._min_size),
                )
            if len(found):
                return [
                    Detection(box=(float(x), float(y), float(w), float(h)), score=1.0)
                    for x, y, w, h in found
                ]
        return []
