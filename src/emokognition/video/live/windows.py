"""What watching a stream produces: a window of the audience's mood every few seconds, notices
when the stream drops and returns, and a summary at the end."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from emokognition.emotions import EMOTIONS
from emokognition.video.audience import AudienceMood
from emokognition.video.results import FrameResult, Track

NoticeKind = Literal["dropped", "reconnecting", "reconnected"]
EndReason = Literal["ended", "duration", "stopped", "lost"]


@dataclass(frozen=True, slots=True)
class LiveWindow:
    """The audience during [start, end) seconds of stream time.

    Attributes:
        index: Window number, from 0.
        audience: Faces, people on screen, mean probabilities, shares of main emotions, main
            and alternative emotion (the same as an entry of a video's `audience`).
        tracks: Ids of the tracks on screen in the window.
        skipped: Sampled frames of the window passed over because the analysis was behind.
        latency: Seconds from the arrival of the window's first analysed frame to the window
            being ready (about the window's length when the analysis keeps up).
        frames: The analysed frames, tracked (not in `to_dict`).
    """

    index: int
    audience: AudienceMood
    tracks: tuple[int, ...]
    skipped: int
    latency: float
    frames: tuple[FrameResult, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        if self.index < 0 or self.skipped < 0 or self.latency < 0:
            raise ValueError(
                f"bad window {self.index}: skipped {self.skipped}, latency {self.latency}"
            )

    def to_dict(self) -> dict[str, Any]:
        """One line of `emokognition watch --format jsonl`."""
        return {
            "window": self.index,
            **self.audience.to_dict(),
            "tracks": list(self.tracks),
            "skipped": self.skipped,
            "latency": round(self.latency, 3),
        }


@dataclass(frozen=True, slots=True)
class StreamNotice:
    """The stream dropped, is being opened again, or is back.

    Attributes:
        kind: "dropped", "reconnecting" (before each try) or "reconnected".
        message: In words, for a person.
        attempt: The reconnection try (from 1); 0 for "dropped".
    """

    kind: NoticeKind
    message: str
    attempt: int = 0


@dataclass(frozen=True, slots=True)
class LiveSummary:
    """The whole watch, once it is over.

    Attributes:
        source: The stream (URL without credentials or query, or the file's name).
        reason: "ended" (the stream's end), "duration" (`--duration` reached), "stopped"
            (Ctrl-C or `close()`), "lost" (down after every reconnection try).
        seconds: Stream time covered by the windows.
        windows: Windows emitted.
        analysed: Frames analysed.
        skipped: Sampled frames passed over because the analysis was behind.
        reconnects: Times the stream came back after dropping.
        faces: Faces found over all analysed frames (face-frames).
        tracks: Everyone seen, with mean emotions, main and alternative.
    """

    source: str
    reason: EndReason
    seconds: float
    windows: int
    analysed: int
    skipped: int
    reconnects: int
    faces: int
    tracks: tuple[Track, ...]

    def to_dict(self) -> dict[str, Any]:
        """The last line of `emokognition watch --format jsonl` (key "summary")."""
        return {
            "summary": {
                "source": self.source,
                "reason": self.reason,
                "seconds": round(self.seconds, 3),
                "windows": self.windows,
                "analysed": self.analysed,
                "skipped": self.skipped,
                "reconnects": self.reconnects,
                "faces": self.faces,
                "people": len(self.tracks),
                "main": _counts(track.main for track in self.tracks),
                "alternative": _counts(track.alternative for track in self.tracks),
            }
        }


def _counts(names: Any) -> dict[str, int]:
    counts = dict.fromkeys(EMOTIONS, 0)
    for name in names:
        counts[name] += 1
    return counts


__all__ = ["EndReason", "LiveSummary", "LiveWindow", "NoticeKind", "StreamNotice"]
