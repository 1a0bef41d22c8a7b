"""What a job needs to run: settings, database, stored media, loaded models."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from emokognition.config import Settings
from emokognition.jobs.metrics import JobMetrics
from emokognition.store import Database, MediaStore
from emokognition.vision.analyzer import Analyzer
from emokognition.vision.classifier import EmotionClassifier


class Analyzers:
    """One `Analyzer` per detector name, loaded on first use and shared by every thread."""

    def __init__(self, settings: Settings) -> None:
        # Jobs run side by side (inline threads, Celery's thread pool), so by default each model
        # runs on one thread: ONNX Runtime's spinning intra-op threads would starve the other
        # jobs, the database and decoding. A Celery worker did 43 photo jobs/s so, 18 with two
        # threads per session (`make bench`). EMOKOGNITION_THREADS still wins when set.
        self.settings = settings.sharing_cores()
        self._analyzers: dict[str, Analyzer] = {}
        self._classifier: EmotionClassifier | None = None
        self._lock = threading.Lock()

    def get(self, detector: str | None = None) -> Analyzer:
        """The analyzer for a detector name (None: the configured default).

        Raises:
            ModelError: A model file is missing or broken.
        """
        name = detector or self.settings.detector
        with self._lock:
            if name not in self._analyzers:
                if self._classifier is None:
                    self._classifier = EmotionClassifier(
                        threads=self.settings.threads, flip=self.settings.mirror
                    )
                self._analyzers[name] = Analyzer(
                    name, settings=self.settings, classifier=self._classifier
                )
            return self._analyzers[name]


@dataclass(frozen=True, slots=True)
class JobContext:
    """Everything `run_analysis` uses; one per process, shared by its job threads."""

    settings: Settings
    database: Database
    media: MediaStore
    analyzers: Analyzers
    metrics: JobMetrics | None = None

    @classmethod
    def create(cls, settings: Settings, *, metrics: JobMetrics | None = None) -> JobContext:
        return cls(
            settings=settings,
            database=Database(settings.database_url),
            media=MediaStore(settings.media_path),
            analyzers=Analyzers(settings),
            metrics=metrics,
        )
