"""Live streams: decode in a thread at the live edge, analyse sampled frames, track faces and
give the audience's mood one window at a time (`emokognition watch`)."""

from emokognition.video.live.source import StreamKind, StreamSource
from emokognition.video.live.watch import DEFAULT_WINDOW, LiveAnalysis, Notify, watch_stream
from emokognition.video.live.windows import EndReason, LiveSummary, LiveWindow, StreamNotice

__all__ = [
    "DEFAULT_WINDOW",
    "EndReason",
    "LiveAnalysis",
    "LiveSummary",
    "LiveWindow",
    "Notify",
    "StreamKind",
    "StreamNotice",
    "StreamSource",
    "watch_stream",
]
