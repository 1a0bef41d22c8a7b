"""The analyzer that video analysis uses by default, and single-threaded twins for workers."""

from __future__ import annotations

from emokognition.config import Settings
from emokognition.vision.analyzer import Analyzer
from emokognition.vision.blazeface import BlazeFace
from emokognition.vision.detectors import FaceDetector


def video_analyzer(detector: str | FaceDetector | None, settings: Settings) -> Analyzer:
    """An analyzer for video frames: `video_detector`, and one ONNX Runtime thread per model
    unless `settings.threads` asks for more (frames are decoded on the other cores meanwhile,
    and small batches gain little from threads: one is faster overall)."""
    settings = settings.sharing_cores()
    return Analyzer(video_detector(detector, settings), settings=settings)


def video_detector(detector: str | FaceDetector | None, settings: Settings) -> str | FaceDetector:
    """`detector` as given, except BlazeFace by name (the default), which gets
    `settings.video_tiles` tiles: one detector run per frame unless asked for more."""
    chosen = detector or settings.detector
    if chosen == "blazeface":
        return BlazeFace(
            tiles=settings.video_tiles, size=settings.detect_size, threads=settings.threads
        )
    return chosen


def portable(detector: FaceDetector) -> str | FaceDetector:
    """What a worker needs to rebuild `detector`: BlazeFace itself (it pickles), else its name."""
    return detector if isinstance(detector, BlazeFace) else detector.name


def single_threaded(detector: str | FaceDetector | None) -> str | FaceDetector | None:
    """The same detector with one ONNX Runtime thread (workers share the CPU)."""
    if isinstance(detector, BlazeFace):
        return BlazeFace(
            detector.variant,
            min_score=detector.min_score,
            nms_threshold=detector.nms_threshold,
            tiles=detector.tiles,
            size=detector.size,
            threads=1,
        )
    return detector


__all__ = ["portable", "single_threaded", "video_analyzer", "video_detector"]
