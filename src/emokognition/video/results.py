"""The result of analysing a video: the video result contract of DESIGN.md."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from emokognition.emotions import EMOTIONS
from emokognition.media.info import MediaInfo
from emokognition.video.audience import DEFAULT_BUCKET, AudienceMood, audience_timeline
from emokognition.video.sampling import Sampling
from emokognition.vision.faces import Face, summarize
from emokognition.vision.results import ModelInfo

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True, slots=True)
class FrameResult:
    """The faces of one analysed frame.

    Attributes:
        index: Position of the frame in the video (0-based, presentation order).
        t: Seconds since the first frame, from the stream's timestamps.
        faces: Its faces, highest detection score first; `track` set once tracked.
        histogram: The frame's gray-level histogram (normalised, `HISTOGRAM_BINS` bins), to
            tell scene cuts; empty when unknown. Not part of the contract.
    """

    index: int
    t: float
    faces: tuple[Face, ...]
    histogram: tuple[float, ...] = field(default=(), repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.index < 0 or self.t < 0:
            raise ValueError(f"index and t must not be negative, got {self.index}, {self.t}")

    def to_dict(self) -> dict[str, Any]:
        """One entry of `frames` in the video result contract."""
        return {"index": self.index, "t": self.t, "faces": [f.to_dict() for f in self.faces]}


@dataclass(frozen=True, slots=True)
class Track:
    """One person followed through the video.

    Attributes:
        id: Track number, from 1, in order of first appearance.
        start: Seconds at its first analysed frame.
        end: Seconds at its last analysed frame.
        frames: Analysed frames it appears in.
        emotions: Mean probability of each of `EMOTIONS` over those frames (sums to 1).
        main: The emotion with the highest mean.
        alternative: The second highest.
    """

    id: int
    start: float
    end: float
    frames: int
    emotions: dict[str, float]
    main: str
    alternative: str

    def __post_init__(self) -> None:
        if self.id < 1 or self.frames < 1 or self.end < self.start:
            raise ValueError(
                f"bad track: id {self.id}, frames {self.frames}, {self.start}..{self.end} s"
            )
        if tuple(self.emotions) != EMOTIONS:
            raise ValueError(f"emotions must be keyed {EMOTIONS}, got {tuple(self.emotions)}")

    @property
    def seconds(self) -> float:
        """Time on screen, first to last analysed frame."""
        return self.end - self.start

    def to_dict(self) -> dict[str, Any]:
        """One entry of `tracks` in the video result contract."""
        return {
            "id": self.id,
            "start": self.start,
            "end": self.end,
            "frames": self.frames,
            "emotions": {name: round(p, 6) for name, p in self.emotions.items()},
            "main": self.main,
            "alternative": self.alternative,
        }


@dataclass(frozen=True, slots=True)
class VideoResult:
    """Every face of every analysed frame, linked into tracks.

    Attributes:
        media: What was analysed.
        model: Which models analysed it.
        sampling: Which frames were analysed.
        frames: The analysed frames, in order.
        tracks: The people followed through it, by id.
        skipped: Frames that could not be decoded (damaged data), passed over.
        bucket: Seconds of video per entry of `audience`.
    """

    media: MediaInfo
    model: ModelInfo
    sampling: Sampling
    frames: tuple[FrameResult, ...]
    tracks: tuple[Track, ...]
    skipped: int = 0
    bucket: float = DEFAULT_BUCKET

    def __post_init__(self) -> None:
        indices = [frame.index for frame in self.frames]
        if indices != sorted(set(indices)):
            raise ValueError("frames must be in ascending index order, without repeats")
        if [track.id for track in self.tracks] != list(range(1, len(self.tracks) + 1)):
            raise ValueError("tracks must be numbered 1..N in order")
        if not self.bucket > 0:
            raise ValueError(f"bucket must be a positive number of seconds, got {self.bucket}")

    def faces(self) -> Iterator[Face]:
        """Every face of every frame, in order."""
        for frame in self.frames:
            yield from frame.faces

    @property
    def audience(self) -> tuple[AudienceMood, ...]:
        """Everyone on screen per `bucket` seconds, from the start to the end of the video."""
        return audience_timeline(self.frames, self.bucket, duration=self.media.duration or 0.0)

    @property
    def summary(self) -> dict[str, Any]:
        """Face-frames and tracks, and face-frames by main and alternative emotion."""
        counts = summarize(tuple(self.faces()))
        return {
            "faces": counts["faces"],
            "tracks": len(self.tracks),
            "main": counts["main"],
            "alternative": counts["alternative"],
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSON video result contract (DESIGN.md, "Result contract")."""
        return {
            "media": self.media.to_dict(),
            "model": self.model.to_dict(),
            "sampling": self.sampling.to_dict(),
            "frames": [frame.to_dict() for frame in self.frames],
            "tracks": [track.to_dict() for track in self.tracks],
            "audience": [mood.to_dict() for mood in self.audience],
            "summary": self.summary,
            "skipped": self.skipped,
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per face per analysed frame (frame, t, track, box, probabilities, main).

        Raises:
            MissingExtra: pandas is not installed.
        """
        from emokognition.video.tables import video_faces_frame

        return video_faces_frame(self)

    def tracks_frame(self) -> pd.DataFrame:
        """One row per track: span, frames, mean probabilities, main and alternative."""
        from emokognition.video.tables import tracks_frame

        return tracks_frame(self)

    def audience_frame(self) -> pd.DataFrame:
        """One row per span of the audience timeline (faces, people, means, shares)."""
        from emokognition.video.tables import audience_frame

        return audience_frame(self)

    def _repr_png_(self) -> bytes | None:
        """The emotion timelines plot, as a notebook shows a video result (needs matplotlib)."""
        import importlib.util
        import tempfile
        from pathlib import Path

        if importlib.util.find_spec("matplotlib") is None:
            return None
        from emokognition.video.plot import plot_timelines

        with tempfile.TemporaryDirectory() as folder:
            return plot_timelines(self, Path(folder) / "plot.png").read_bytes()


__all__ = ["FrameResult", "Track", "VideoResult"]
