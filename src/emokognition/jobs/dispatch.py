"""Analyse stored media by kind: images here, videos through `emokognition.video` once it lands."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from emokognition.errors import UnsupportedFormat
from emokognition.jobs.context import Analyzers

VIDEO_UNAVAILABLE = "video analysis not available"


def video_analyzer() -> Callable[..., Any] | None:
    """`emokognition.video.analyze_video`, or None while video analysis is not installed."""
    try:
        module = importlib.import_module("emokognition.video")
    except ImportError:
        return None
    function = getattr(module, "analyze_video", None)
    return function if callable(function) else None


def analyse_media(
    *, kind: str, data: bytes, path: Path, detector: str | None, analyzers: Analyzers
) -> dict[str, Any]:
    """The result contract for stored media: `data` are its bytes, `path` its file.

    Raises:
        UnsupportedFormat: A video, while video analysis is not available.
        MediaError: Unreadable, corrupt or oversized media.
    """
    if kind == "video":
        analyze_video = video_analyzer()
        if analyze_video is None:
            raise UnsupportedFormat(VIDEO_UNAVAILABLE)
        result: dict[str, Any] = analyze_video(
            str(path), analyzer=analyzers.get(detector), settings=analyzers.settings
        ).to_dict()
        return result
    return analyzers.get(detector).analyze(data).to_dict()
