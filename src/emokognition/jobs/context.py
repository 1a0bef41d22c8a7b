"""What a job needs to run: settings, database, stored media, loaded models."""

from __future__ import annotations

from dataclasses import dataclass

from emokognition.config import Settings
from emokognition.jobs.metrics import JobMetrics
from emokognition.store import Database, MediaKeeper, MediaStore
from emokognition.vision.registry import AnalyzerRegistry


@dataclass(frozen=True, slots=True)
class JobContext:
    """Everything `run_analysis` uses; one per process, shared by its job threads."""

    settings: Settings
    database: Database
    media: MediaStore
    analyzers: AnalyzerRegistry
    metrics: JobMetrics | None = None

    @property
    def keeper(self) -> MediaKeeper:
        """Adds and drops media in step with the analyses that use them."""
        return MediaKeeper(self.database, self.media)

    @classmethod
    def create(cls, settings: Settings, *, metrics: JobMetrics | None = None) -> JobContext:
        return cls(
            settings=settings,
            database=Database(settings.database_url),
            media=MediaStore(settings.media_dir),
            # Jobs run side by side (inline threads, Celery's thread pool), so by default each
            # model runs on one thread: ONNX Runtime's spinning intra-op threads would starve
            # the other jobs, the database and decoding. A Celery worker did 43 photo jobs/s
            # so, 18 with two threads per session (`make bench`). EMOKOGNITION_THREADS wins.
            analyzers=AnalyzerRegistry(settings.sharing_cores()),
            metrics=metrics,
        )
