"""Run the plan: in this process (decoding in a thread), or one segment at a time in a worker.

Both produce untracked `FrameResult`s in frame order; tracking happens afterwards, in the
caller's process, so that every way of running gives the same tracks.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace

import cv2

from emokognition.config import CLASSIFIERS, Settings
from emokognition.video.batches import analyse_frames, batches
from emokognition.video.decode import DecodedFrame, FrameReader
from emokognition.video.memory import FrameMemory
from emokognition.video.plan import Plan, Segment
from emokognition.video.probe import Probe, VideoFile
from emokognition.video.results import FrameResult
from emokognition.vision.analyzer import Analyzer
from emokognition.vision.classifier import EmotionClassifier
from emokognition.vision.detectors import FaceDetector

logger = logging.getLogger(__name__)

_END = object()


@dataclass(frozen=True, slots=True)
class AnalyzerSpec:
    """How a worker process builds its own `Analyzer` (models cannot cross processes open).

    Attributes:
        detector: A detector name, or a caller's detector instance (which must pickle).
        settings: Settings to build it with (its classifier, tiles and size among them); a
            worker uses one ONNX Runtime thread.
        classifier: A caller's classifier instance (which must pickle), or None for the one
            `settings.classifier` names.
    """

    detector: str | FaceDetector
    settings: Settings
    classifier: EmotionClassifier | None = None

    @classmethod
    def like(cls, analyzer: Analyzer) -> AnalyzerSpec:
        """Workers that analyse exactly as `analyzer` does."""
        name = analyzer.classifier.name
        shipped = name in CLASSIFIERS
        return cls(
            detector=analyzer.detector_name or analyzer.detector,
            settings=analyzer.settings.model_copy(update={"classifier": name})
            if shipped
            else analyzer.settings,
            classifier=None if shipped else analyzer.classifier,
        )

    def build(self) -> Analyzer:
        """An analyzer for one worker process, single-threaded (the workers share the CPU)."""
        cv2.setNumThreads(1)
        settings = self.settings.model_copy(update={"threads": 1})
        return Analyzer(self.detector, settings=settings, classifier=self.classifier)


@dataclass(frozen=True, slots=True, eq=False)
class SegmentJob:
    """One segment of a video to analyse in a worker."""

    probe: Probe
    plan: Plan
    segment: Segment

    def with_data(self, data: bytes) -> SegmentJob:
        """The same job reading the video from `data` (shipped to a remote worker)."""
        return replace(self, probe=replace(self.probe, file=VideoFile(data=data)))


@dataclass(frozen=True, slots=True)
class SegmentResult:
    """What a worker found in one segment.

    Attributes:
        frames: Untracked results of its analysed frames, in order.
        decoded: Frames of the segment decoded.
        skipped: Frames of the segment that could not be decoded.
    """

    frames: tuple[FrameResult, ...]
    decoded: int
    skipped: int


def run_segment(analyzer: Analyzer, job: SegmentJob, *, threads: int = 1) -> SegmentResult:
    """Decode one segment (seeking to the keyframe before it) and analyse its frames batch by
    batch."""
    reader = FrameReader(
        job.probe,
        job.plan.selected,
        job.segment.start,
        job.segment.stop,
        threads=threads,
    )
    frames: list[FrameResult] = []
    for batch in batches(reader, job.plan):
        frames += analyse_frames(analyzer, batch)
    return SegmentResult(frames=tuple(frames), decoded=reader.decoded, skipped=reader.skipped)


class LocalRun:
    """Analyses a whole video in this process: a thread decodes while this one analyses.

    Iterate for untracked frame results in order; `done` counts decoded frames as it goes,
    `skipped` the frames that could not be decoded once it has finished.
    """

    def __init__(
        self,
        analyzer: Analyzer,
        probe: Probe,
        plan: Plan,
        *,
        threads: int = 0,
        memory: FrameMemory | None = None,
    ) -> None:
        self.analyzer = analyzer
        self.plan = plan
        info = probe.info
        self.memory = memory or FrameMemory(3 * info.width * info.height)
        # Decoding threads hold a picture each: the largest frames get one.
        threads = threads if self.memory.queue else 1
        self._reader = FrameReader(probe, plan.selected, threads=threads)

    @property
    def done(self) -> int:
        """Frames decoded so far."""
        return self._reader.position + 1

    @property
    def skipped(self) -> int:
        """Frames that could not be decoded (final once iteration has finished)."""
        return self._reader.skipped

    def __iter__(self) -> Iterator[FrameResult]:
        if not self.memory.queue:  # frames too large to keep a second one waiting
            for batch in self._groups(iter(self._reader)):
                yield from analyse_frames(self.analyzer, batch)
            return
        frames: queue.Queue[object] = queue.Queue(maxsize=self.memory.queue)
        stop = threading.Event()
        thread = threading.Thread(
            target=self._decode, args=(frames, stop), name="emokognition-decode", daemon=True
        )
        thread.start()
        try:
            for batch in self._groups(_drain(frames)):
                yield from analyse_frames(self.analyzer, batch)
        finally:
            stop.set()
            while thread.is_alive():  # unblock a producer waiting on a full queue
                with contextlib.suppress(queue.Empty):
                    frames.get(timeout=0.05)
            thread.join()

    def _groups(self, frames: Iterator[DecodedFrame]) -> Iterator[list[DecodedFrame]]:
        """The plan's batches, or smaller groups where frames are too large for them."""
        if self.memory.chunk >= int(self.plan.batch_sizes.max(initial=1)):
            return batches(frames, self.plan)
        return _chunks(frames, self.memory.chunk)

    def _decode(self, frames: queue.Queue[object], stop: threading.Event) -> None:
        item: object = _END
        try:
            for frame in self._reader:
                while not stop.is_set():
                    try:
                        frames.put(frame, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
        except Exception as exc:  # handed over to the consumer, which raises it there
            item = exc
        frames.put(item)


def _chunks(frames: Iterator[DecodedFrame], size: int) -> Iterator[list[DecodedFrame]]:
    group: list[DecodedFrame] = []
    for frame in frames:
        group.append(frame)
        if len(group) == size:
            yield group
            group = []
    if group:
        yield group


def _drain(frames: queue.Queue[object]) -> Iterator[DecodedFrame]:
    while True:
        item = frames.get()
        if item is _END:
            return
        if isinstance(item, BaseException):
            raise item
        if isinstance(item, DecodedFrame):
            yield item


__all__ = ["AnalyzerSpec", "LocalRun", "SegmentJob", "SegmentResult", "run_segment"]
