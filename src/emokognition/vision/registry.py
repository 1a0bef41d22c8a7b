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
from emokognition.vision.classifier import EmotionClassifier

Purpose = Literal["photo", "video"]
PURPOSES: tuple[Purpose, ...] = ("photo", "video")


def analyzer_settings(settings: Settings, purpose: Purpose) -> Settings:
    """The settings an analyzer for `purpose` is built with."""
    if purpose == "video":
        return settings.sharing_cores().model_copy(update={"tiles": settings.video_tiles})
    return settings


def build_analyzer(detector: str | None, settings: Settings, purpose: Purpose) -> Analyzer:
    """A new analyzer, not shared: for a worker process or a one-off run."""
    return Analyzer(detector, settings=analyzer_settings(settings, purpose))


class AnalyzerRegistry:
    """One `Analyzer` per (purpose, detector name); one classifier per thread count.

    Args:
        settings: What the analyzers are built with (see `analyzer_settings`).
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._analyzers: dict[tuple[Purpose, str], Analyzer] = {}
        self._classifiers: dict[int, EmotionClassifier] = {}
        self._lock = threading.Lock()

    def get(self, detector: str | None = None, *, purpose: Purpose = "photo") -> Analyzer:
        """The analyzer for a detector name (None: the configured default).

        Raises:
            ValueError: Unknown detector name.
            ModelError: A model file is missing or broken.
        """
        name = detector or self.settings.detector
        with self._lock:
            key = (purpose, name)
            if key not in self._analyzers:
                settings = analyzer_settings(self.settings, purpose)
                self._analyzers[key] = Analyzer(
                    name, settings=settings, classifier=self._classifier(settings)
                )
            return self._analyzers[key]

    def _classifier(self, settings: Settings) -> EmotionClassifier:
        if settings.threads not in self._classifiers:
            self._classifiers[settings.threads] = EmotionClassifier(
                threads=settings.threads, flip=settings.mirror
            )
        return self._classifiers[settings.threads]
