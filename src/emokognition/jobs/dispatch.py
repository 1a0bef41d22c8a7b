"""Analyse stored media by kind: a photo with the photo analyzer, a video with the video one."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from emokognition.errors import Interrupted
from emokognition.video import analyze_video
from emokognition.vision.registry import AnalyzerRegistry


def analyse_media(
    *,
    kind: str,
    data: bytes,
    path: Path,
    detector: str | None,
    classifier: str | None,
    analyzers: AnalyzerRegistry,
    progress: Callable[[int, int], None] | None = None,
    stopping: threading.Event | None = None,
) -> dict[str, Any]:
    """The result contract for stored media: `data` are its bytes, `path` its file.

    A video gets the analyzer built for video (`video_tiles`, not the photo's `tiles`), so a
    job's result is the one `emokognition analyze x.mp4` gives; `progress` is called with
    (frames decoded, frames in the video) as it goes.

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
        result: dict[str, Any] = analyze_video(
            str(path), analyzer=analyzer, settings=analyzers.settings, progress=check
        ).to_dict()
        return result
    return analyzers.get(detector, classifier=classifier).analyze(data).to_dict()
