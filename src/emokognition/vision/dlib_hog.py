"""dlib's HOG + linear SVM frontal face detector."""

from __future__ import annotations

import threading

import cv2
import dlib
import numpy as np
from numpy.typing import NDArray

from emokognition.vision.faces import Detection


class DlibDetector:
    """dlib HOG detector; upsamples small images so that faces down to ~40 px are found.

    Scores are the SVM margins squashed into [0, 1] with a logistic.
    """

    name = "dlib"

    def __init__(self, *, upsample_below: int = 1000, threshold: float = 0.0) -> None:
        self._detector = dlib.get_frontal_face_detector()
        self._upsample_below = upsample_below
        self._threshold = threshold
        self._lock = threading.Lock()

    def detect(self, image_bgr: NDArray[np.uint8]) -> list[Detection]:
        """Faces in a (H, W, 3) uint8 BGR image, in its pixel coordinates."""
        rgb = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)
        height, width = rgb.shape[:2]
        upsample = 1 if max(height, width) < self._upsample_below else 0
        with self._lock:
            rects, scores, _ = self._detector.run(rgb, upsample, self._threshold)
        out = []
        for rect, score in zip(rects, scores, strict=True):
            x0, y0 = max(rect.left(), 0), max(rect.top(), 0)
            x1, y1 = min(rect.right() + 1, width), min(rect.bottom() + 1, height)
            if x1 > x0 and y1 > y0:
                confidence = float(1.0 / (1.0 + np.exp(-2.0 * score)))
                out.append(Detection(box=(x0, y0, x1 - x0, y1 - y0), score=confidence))
        return out
