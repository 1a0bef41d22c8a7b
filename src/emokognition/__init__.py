"""emokognition: the mood of an audience from the faces in its pictures and videos.

Example:
    >>> import emokognition
    >>> result = emokognition.analyze_image("photo.jpg")
    >>> result.summary
    {'faces': 1, 'main': {'happy': 1}, 'alternative': {'surprised': 1}}

The names below are imported on first use (PEP 562), so `import emokognition` and the command
line's start pay only for what they use.
"""

from __future__ import annotations

import importlib
import threading
from typing import TYPE_CHECKING, Any

from emokognition.errors import EmokognitionError, MediaError, ModelError, SourceError

if TYPE_CHECKING:
    from emokognition.emotions import EMOTIONS
    from emokognition.media.load import ImageSource
    from emokognition.video.analysis import Progress, VideoAnalysis, iter_video
    from emokognition.video.parallel import Backend
    from emokognition.video.probe import VideoSource
    from emokognition.video.results import FrameResult, Track, VideoResult
    from emokognition.vision.analyzer import Analyzer
    from emokognition.vision.classifier import EmotionClassifier
    from emokognition.vision.detectors import FaceDetector
    from emokognition.vision.faces import Detection, Face
    from emokognition.vision.results import ImageResult

    __version__: str

# Public name -> the module that defines it, imported when the name is first read.
_LAZY = {
    "EMOTIONS": "emokognition.emotions",
    "ImageSource": "emokognition.media.load",
    "Progress": "emokognition.video.analysis",
    "VideoAnalysis": "emokognition.video.analysis",
    "iter_video": "emokognition.video.analysis",
    "Backend": "emokognition.video.parallel",
    "VideoSource": "emokognition.video.probe",
    "FrameResult": "emokognition.video.results",
    "Track": "emokognition.video.results",
    "VideoResult": "emokognition.video.results",
    "Analyzer": "emokognition.vision.analyzer",
    "EmotionClassifier": "emokognition.vision.classifier",
    "FaceDetector": "emokognition.vision.detectors",
    "Detection": "emokognition.vision.faces",
    "Face": "emokognition.vision.faces",
    "ImageResult": "emokognition.vision.results",
}


def __getattr__(name: str) -> Any:
    if name == "__version__":
        value: Any = _version()
    elif name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    else:
        raise AttributeError(f"module 'emokognition' has no attribute {name!r}")
    globals()[name] = value  # found once; later reads skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | {"__version__"})


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("emokognition")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0.0.0"


_analyzers: dict[str, Analyzer] = {}
_analyzers_lock = threading.Lock()


def _shared_analyzer(detector: str | None) -> Analyzer:
    from emokognition.vision.analyzer import Analyzer

    key = detector or ""
    with _analyzers_lock:
        if key not in _analyzers:
            _analyzers[key] = Analyzer(detector)
        return _analyzers[key]


def _shared_video_analyzer(detector: str | None) -> Analyzer:
    """Like `_shared_analyzer`, with the detector set up for video frames (`video_tiles`)."""
    from emokognition.config import get_settings
    from emokognition.video.detectors import video_analyzer

    key = f"video:{detector or ''}"
    with _analyzers_lock:
        if key not in _analyzers:
            _analyzers[key] = video_analyzer(detector, get_settings())
        return _analyzers[key]


def analyze_image(source: ImageSource, *, detector: str | None = None) -> ImageResult:
    """Every face in an image with its seven emotions, main and alternative.

    Args:
        source: A path, http(s) URL, encoded bytes, or a (H, W, 3) uint8 BGR array.
        detector: "blazeface" (default), "haar" or "dlib".

    Raises:
        MediaError: Unreadable, unsupported, corrupt or oversized media.
        SourceError: A URL that is refused or fails to download.
    """
    return _shared_analyzer(detector).analyze(source)


def analyze_video(
    source: VideoSource,
    *,
    fps: float | None = None,
    every: int | None = None,
    all_frames: bool = False,
    detector: str | FaceDetector | None = None,
    workers: int = 1,
    backend: Backend = "process",
    smoothing: float = 0.0,
    progress: Progress | None = None,
) -> VideoResult:
    """Every face in a video, tracked through it, with its emotions per frame and per track.

    Example:
        >>> result = emokognition.analyze_video("talk.mp4")
        >>> [(track.id, track.main, track.alternative) for track in result.tracks]
        [(1, 'neutral', 'happy')]

    Args:
        source: A path, http(s) URL, or encoded bytes (mp4, mov, mkv, webm, avi, GIF).
        fps: Analysed frames per second of video (default 5, `EMOKOGNITION_VIDEO_FPS`).
        every: Analyse every N-th frame instead.
        all_frames: Analyse every frame.
        detector: "blazeface" (default), "haar", "dlib", or a detector instance.
        workers: Worker processes (keyframe segments in parallel, same result).
        backend: "process" (local) or "ray" (`EMOKOGNITION_RAY_ADDRESS`, or a local Ray).
        smoothing: Weight in [0, 1) of each track's past in its per-frame emotions.
        progress: Called with (frames decoded, frames in the video).

    Raises:
        MediaError: Not a video, no video stream, corrupt, too large or too long.
        SourceError: A URL that is refused or fails to download.
        RequestError: Conflicting or bad sampling, workers or backend.
    """
    from emokognition.video.analysis import analyze_video as _analyze_video

    shared = detector is None or isinstance(detector, str)
    return _analyze_video(
        source,
        fps=fps,
        every=every,
        all_frames=all_frames,
        detector=None if shared else detector,
        analyzer=_shared_video_analyzer(detector if isinstance(detector, str) else None)
        if shared
        else None,
        workers=workers,
        backend=backend,
        smoothing=smoothing,
        progress=progress,
    )


__all__ = [
    "EMOTIONS",
    "Analyzer",
    "Detection",
    "EmokognitionError",
    "EmotionClassifier",
    "Face",
    "FrameResult",
    "ImageResult",
    "ImageSource",
    "MediaError",
    "ModelError",
    "SourceError",
    "Track",
    "VideoAnalysis",
    "VideoResult",
    "VideoSource",
    "__version__",
    "analyze_image",
    "analyze_video",
    "iter_video",
]
