"""The one registry of analyzers: a detector name and a purpose become an `Analyzer`, built
on first use and shared by every thread.

A photo and a video frame want different settings: a photo may be tiled (`tiles`) to find
small faces at leisure, while every frame of a video is one detector run unless
`video_tiles` asks for more, with one ONNX Runtime thread per model (frames are decoded on
the other cores meanwhile). `analyzer_settings` is that rule, for every entry point.
"""

from __future__ import annotations

import threading
from typing import Literal

from emokognition.config import Settings
from emokognition.vision.analyzer import Analyzer
from emokognition.vision.classifier import EmotionClassifier, create_classifier
from emokognition.vision.detectors import FaceDetector

Purpose = Literal["photo", "video"]
PURPOSES: tuple[Purpose, ...] = ("photo", "video")


def analyzer_settings(settings: Settings, purpose: Purpose) -> Settings:
    """The settings an analyzer for `purpose` is built with."""
    if purpose == "video":
        video = {"tiles": settings.video_tiles, "min_face": settings.video_min_face}
        return settings.sharing_cores().model_copy(update=video)
    return settings


def build_analyzer(
    detector: str | FaceDetector | None, settings: Settings, purpose: Purpose
) -> Analyzer:
    """A new analyzer, not shared: for a worker process or a one-off run."""
    return Analyzer(detector, settings=analyzer_settings(settings, purpose))


class AnalyzerRegistry:
    """One `Analyzer` per (purpose, detector, classifier); one classifier per name and thread
    count, shared by the analyzers that use it.

    Args:
        settings: What the analyzers are built with (see `analyzer_settings`).
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._analyzers: dict[tuple[Purpose, str, str], Analyzer] = {}
        self._classifiers: dict[tuple[str, int], EmotionClassifier] = {}
        self._lock = threading.Lock()

    def get(
        self,
        detector: str | None = None,
        *,
        classifier: str | None = None,
        purpose: Purpose = "photo",
    ) -> Analyzer:
        """The analyzer for a detector and a classifier name (None: the configured default).

        Raises:
            ValueError: Unknown detector or classifier name.
            ModelError: A model file is missing or broken.
        """
        detector = detector or self.settings.detector
        classifier = classifier or self.settings.classifier
        with self._lock:
            key = (purpose, detector, classifier)
            if key not in self._analyzers:
                settings = analyzer_settings(self.settings, purpose)
                self._analyzers[key] = Analyzer(
                    detector,
                    settings=settings,
                    classifier=self._classifier(classifier, settings),
                )
            return self._analyzers[key]

    def _classifier(self, name: str, settings: Settings) -> EmotionClassifier:
        key = (name, settings.threads)
        if key not in self._classifiers:
            self._classifiers[key] = create_classifier(
                name, threads=settings.threads, flip=settings.mirror
            )
        return self._classifiers[key]
