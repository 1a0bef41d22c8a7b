"""Analyse stored media by kind: a photo with the photo analyzer; a video with the video one,
its frames handed on in chunks as they are analysed, so that a job holds no whole video."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from emokognition.errors import Interrupted
from emokognition.video import VideoAnalysis, VideoOptions
from emokognition.vision.registry import AnalyzerRegistry

FRAME_CHUNK = 250
"""Frames per chunk handed to the sink: a few seconds of video at the default sampling."""

FrameSink = Callable[[Sequence[dict[str, Any]], int, str], None]
"""Takes a chunk of frames of the contract, the position of its first frame (from 0) and the
classifier's name; raises to stop the analysis."""


def analyse_media(
    *,
    kind: str,
    data: bytes | None,
    path: Path,
    detector: str | None,
    classifier: str | None,
    analyzers: AnalyzerRegistry,
    frames: FrameSink,
    progress: Callable[[int, int], None] | None = None,
    stopping: threading.Event | None = None,
) -> dict[str, Any]:
    """The result contract for stored media: `data` are a photo's bytes, `path` its file.

    A video gets the analyzer built for video (`video_tiles`, not the photo's `tiles`), so a
    job's result is the one `emokognition analyze x.mp4` gives, except that its frames go to
    `frames` in chunks instead of into the result, and its audience spans are whole seconds,
    at most 720 of them (`audience_bucket`); `progress` is called with (frames decoded,
    frames in the video) as it goes.

    Raises:
        MediaError: Unreadable, corrupt or oversized media.
        Interrupted: `stopping` was set, seen between a video's batches (a photo finishes).
    """
    stop = stopping or threading.Event()

    def check(done: int, total: int) -> None:
        if stop.is_set():
            raise Interrupted(f"stopped after {done} of {total} frames: shutting down")
        if progress is not None:
            progress(done, total)

    if kind == "video":
        analyzer = analyzers.get(detector, classifier=classifier, purpose="video")
        options = VideoOptions(bucket=None)
        with VideoAnalysis(
            str(path),
            options,
            analyzer=analyzer,
            settings=analyzers.settings,
            progress=check,
            keep_frames=False,
        ) as analysis:
            name = analysis.model.classifier
            chunk: list[dict[str, Any]] = []
            for frame in analysis:
                chunk.append(frame.to_dict())
                if len(chunk) == FRAME_CHUNK:
                    frames(chunk, analysis.analysed - len(chunk), name)
                    chunk = []
            if chunk:
                frames(chunk, analysis.analysed - len(chunk), name)
            return analysis.head()
    if data is None:
        data = path.read_bytes()
    result: dict[str, Any] = analyzers.get(detector, classifier=classifier).analyze(data).to_dict()
    return result
