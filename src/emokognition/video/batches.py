"""Detect and classify the faces of many frames at once: one detector run, one classifier run."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol, runtime_checkable

import cv2
import numpy as np
from numpy.typing import NDArray

from emokognition.video.decode import DecodedFrame
from emokognition.video.plan import Plan
from emokognition.video.results import FrameResult
from emokognition.vision.analyzer import Analyzer
from emokognition.vision.detectors import FaceDetector
from emokognition.vision.faces import Detection, Face


@runtime_checkable
class BatchFaceDetector(Protocol):
    """A detector that can run many images in one model call (BlazeFace)."""

    def detect_batch(self, images_bgr: list[NDArray[np.uint8]]) -> list[list[Detection]]:
        """Faces in each (H, W, 3) uint8 BGR image."""
        ...


def detect_many(
    detector: FaceDetector, images_bgr: list[NDArray[np.uint8]]
) -> list[list[Detection]]:
    """Faces in each image: one batched run where the detector supports it."""
    if isinstance(detector, BatchFaceDetector):
        return detector.detect_batch(images_bgr)
    return [detector.detect(image) for image in images_bgr]


def analyse_frames(analyzer: Analyzer, frames: Sequence[DecodedFrame]) -> list[FrameResult]:
    """The faces of each frame, as `Analyzer.faces` finds them, in two model runs in all."""
    if not frames:
        return []
    detections = detect_many(analyzer.detector, [frame.pixels for frame in frames])
    crops: list[NDArray[np.uint8]] = []
    for frame, found in zip(frames, detections, strict=True):
        if found:
            crops.append(analyzer.crops(frame.pixels, found))
    probabilities = (
        analyzer.classifier.predict(np.concatenate(crops))
        if crops
        else np.zeros((0, 7), dtype=np.float32)
    )
    results, offset = [], 0
    for frame, found in zip(frames, detections, strict=True):
        faces = [
            Face.from_probabilities(detection, probabilities[offset + k])
            for k, detection in enumerate(found)
        ]
        offset += len(found)
        faces.sort(key=_face_order)
        results.append(
            FrameResult(
                index=frame.index, t=frame.t, faces=tuple(faces), histogram=histogram(frame.pixels)
            )
        )
    return results


HISTOGRAM_BINS = 32


def histogram(image_bgr: NDArray[np.uint8]) -> tuple[float, ...]:
    """Normalised histogram of the gray levels of a (H, W, 3) BGR image, from every n-th
    pixel (about 64 along the shorter side: cheap, and enough to tell shots apart)."""
    step = max(1, min(image_bgr.shape[:2]) // 64)
    small = np.ascontiguousarray(image_bgr[::step, ::step])
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    counts = np.bincount(gray.ravel() // (256 // HISTOGRAM_BINS), minlength=HISTOGRAM_BINS)
    return tuple(float(c) for c in counts / counts.sum())


def _face_order(face: Face) -> tuple[float, tuple[int, int, int, int]]:
    """Highest score first, as `Analyzer.faces`; equal scores (Haar) by position, so that the
    order, and the track ids that follow from it, never depend on a detector's threads."""
    return -face.score, face.box


def batches(frames: Iterable[DecodedFrame], plan: Plan) -> Iterator[list[DecodedFrame]]:
    """Group frames, in order, into the batches of `plan`, each as soon as it is complete (a
    frame that failed to decode is missing from its batch)."""
    batch: list[DecodedFrame] = []
    current = -1
    for frame in frames:
        number = plan.batch_of(frame.index)
        if batch and number != current:
            yield batch
            batch = []
        current = number
        batch.append(frame)
        if len(batch) >= plan.batch_sizes[number]:
            yield batch
            batch = []
    if batch:
        yield batch


__all__ = [
    "HISTOGRAM_BINS",
    "BatchFaceDetector",
    "analyse_frames",
    "batches",
    "detect_many",
    "histogram",
]
