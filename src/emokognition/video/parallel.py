"""Segments over worker processes: a local process pool, or actors on a Ray cluster.

Results come back in segment order, untracked; the caller tracks them, so a parallel run
gives the same faces and tracks as a single process.
"""

from __future__ import annotations

import logging
import multiprocessing
import pickle
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

from emokognition.errors import ConfigError, EmokognitionError, WorkerLost
from emokognition.video.plan import Plan
from emokognition.video.probe import Probe, VideoFile
from emokognition.video.results import FrameResult
from emokognition.video.workers import AnalyzerSpec, SegmentJob, SegmentResult, run_segment
from emokognition.vision.analyzer import Analyzer

logger = logging.getLogger(__name__)

Backend = Literal["process", "ray"]
BACKENDS: tuple[Backend, ...] = ("process", "ray")

_worker_analyzer: Analyzer | None = None
_pool_cache: list[tuple[tuple[int, bytes], ProcessPoolExecutor]] = []
_pool_lock = threading.Lock()


class ParallelRun:
    """Analyses the segments of a plan on `workers` processes of a backend.

    Iterate for untracked frame results in order; `done` counts the frames of finished
    segments, `skipped` the frames that could not be decoded.

    Args:
        spec: How each worker builds its analyzer.
        probe: The video.
        plan: Its segments and batches.
        workers: Worker processes (Ray actors).
        backend: "process" (local processes) or "ray".
        ray_address: Ray cluster address; empty for a local Ray.
    """

    def __init__(
        self,
        spec: AnalyzerSpec,
        probe: Probe,
        plan: Plan,
        *,
        workers: int,
        backend: Backend = "process",
        ray_address: str = "",
    ) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r} ({', '.join(BACKENDS)})")
        self.spec = spec
        self.probe = probe
        self.plan = plan
        self.workers = workers
        self.backend = backend
        self.ray_address = ray_address
        self.done = 0
        self.skipped = 0

    def __iter__(self) -> Iterator[FrameResult]:
        results = self._process() if self.backend == "process" else self._ray()
        for segment, result in zip(self.plan.segments, results, strict=False):
            self.done = segment.stop
            self.skipped += result.skipped
            yield from result.frames

    def _process(self) -> Iterator[SegmentResult]:
        with tempfile.TemporaryDirectory(prefix="emokognition-") as folder:
            probe = self.probe
            if probe.file.data is not None:  # workers read a file, not a pickled copy each
                path = Path(folder) / "video"
                path.write_bytes(probe.file.data)
                probe = replace(probe, file=VideoFile(path=path))
            jobs = [SegmentJob(probe, self.plan, segment) for segment in self.plan.segments]
            pool = _process_pool(self.workers, self.spec)
            try:
                yield from pool.map(_run_job, jobs)
            except BrokenProcessPool as exc:
                _forget_pool(pool)
                raise WorkerLost("a video worker process died") from exc

    def _ray(self) -> Iterator[SegmentResult]:
        ray = _ray_module()
        from ray.util import ActorPool

        _ensure_ray(ray, self.ray_address)
        data_ref: Any = None
        probe = self.probe
        if self.ray_address or probe.file.data is not None:  # remote nodes lack our files
            data = probe.file.data if probe.file.data is not None else _read(probe.file)
            data_ref = ray.put(data)
            probe = replace(probe, file=VideoFile(data=b""))  # the actor puts `data` here
        jobs = [SegmentJob(probe, self.plan, segment) for segment in self.plan.segments]
        cpus = float(ray.cluster_resources().get("CPU", 1.0))
        actor_class = ray.remote(num_cpus=min(1.0, cpus / self.workers))(_SegmentActor)
        actors = [actor_class.remote(self.spec) for _ in range(min(self.workers, len(jobs)))]
        try:
            pool = ActorPool(actors)
            results = pool.map(lambda actor, job: actor.run.remote(job, data_ref), jobs)
            yield from results
        except ray.exceptions.RayTaskError as exc:
            cause = exc.cause
            if isinstance(cause, EmokognitionError):
                raise cause from exc
            raise WorkerLost(f"a Ray video worker failed: {cause}") from exc
        except ray.exceptions.RayActorError as exc:
            raise WorkerLost(f"a Ray video worker died: {exc}") from exc
        finally:
            for actor in actors:
                ray.kill(actor)


def _process_pool(workers: int, spec: AnalyzerSpec) -> ProcessPoolExecutor:
    """Worker processes for `spec`, kept for the next video: starting a process and loading
    its models takes a second or two. One pool is kept; another spec replaces it."""
    key = (workers, pickle.dumps(spec))
    with _pool_lock:
        if _pool_cache and _pool_cache[0][0] == key:
            return _pool_cache[0][1]
        while _pool_cache:
            _pool_cache.pop()[1].shutdown(wait=False, cancel_futures=True)
        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),  # never fork ONNX Runtime threads
            initializer=_start_worker,
            initargs=(spec,),
        )
        _pool_cache.append((key, pool))
        return pool


def _forget_pool(pool: ProcessPoolExecutor) -> None:
    with _pool_lock:
        _pool_cache[:] = [entry for entry in _pool_cache if entry[1] is not pool]
    pool.shutdown(wait=False, cancel_futures=True)


def shutdown_workers() -> None:
    """Stop the kept worker processes (they also stop when the interpreter exits)."""
    with _pool_lock:
        while _pool_cache:
            _pool_cache.pop()[1].shutdown(wait=True, cancel_futures=True)


class _SegmentActor:
    """A Ray actor holding one analyzer for all the segments it runs."""

    def __init__(self, spec: AnalyzerSpec) -> None:
        self.analyzer = spec.build()

    def run(self, job: SegmentJob, data: bytes | None) -> SegmentResult:
        if data is not None:
            job = job.with_data(data)
        return run_segment(self.analyzer, job)


def _start_worker(spec: AnalyzerSpec) -> None:
    global _worker_analyzer
    _worker_analyzer = spec.build()


def _run_job(job: SegmentJob) -> SegmentResult:
    if _worker_analyzer is None:
        raise WorkerLost("video worker started without its analyzer")
    return run_segment(_worker_analyzer, job)


def _read(file: VideoFile) -> bytes:
    return file.data if file.data is not None else Path(str(file.path)).read_bytes()


def _ray_module() -> Any:
    from emokognition.extras import require

    require("the ray backend", "ray")
    import ray

    return ray


def _ensure_ray(ray: Any, address: str) -> None:
    """Connect to the cluster at `address`, or start a local Ray, unless already connected."""
    if ray.is_initialized():
        return
    logger.info("starting Ray (%s)", address or "local")
    try:
        ray.init(
            address=address or None,
            include_dashboard=False,
            log_to_driver=False,
            configure_logging=False,
        )
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise ConfigError(f"cannot start or reach Ray at {address or 'local'}: {exc}") from exc


__all__ = ["BACKENDS", "Backend", "ParallelRun", "shutdown_workers"]
