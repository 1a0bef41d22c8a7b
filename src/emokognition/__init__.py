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
    from emokognition.video.analysis import Progress, VideoAnalysis
    from emokognition.video.options import VideoOptions
    from emokognition.video.parallel import Backend
    from emokognition.video.probe import VideoSource
    from emokognition.video.results import FrameResult, Track, VideoResult
    from emokognition.vision.analyzer import Analyzer
    from emokognition.vision.classifier import EmotionClassifier
    from emokognition.vision.detectors import FaceDetector
    from emokognition.vision.faces import Detection, Face
    from emokognition.vision.registry import AnalyzerRegistry
    from emokognition.vision.results import ImageResult

    __version__: str

# Public name -> the module that defines it, imported when the name is first read.
_LAZY = {
    "EMOTIONS": "emokognition.emotions",
    "ImageSource": "emokognition.media.load",
    "Progress": "emokognition.video.analysis",
    "VideoAnalysis": "emokognition.video.analysis",
    "VideoOptions": "emokognition.video.options",
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


_registry: AnalyzerRegistry | None = None
_registry_lock = threading.Lock()


def _analyzers() -> AnalyzerRegistry:
    """The process's analyzers for these functions: models load once, on first use."""
    global _registry
    with _registry_lock:
        if _registry is None:
            from emokognition.config import get_settings
            from emokognition.vision.registry import AnalyzerRegistry

            _registry = AnalyzerRegistry(get_settings())
        return _registry


def analyze_image(source: ImageSource, *, detector: str | None = None) -> ImageResult:
    """Every face in an image with its seven emotions, main and alternative.

    Args:
        source: A path, http(s) URL, encoded bytes, or a (H, W, 3) uint8 BGR array.
        detector: "blazeface" (default), "haar" or "dlib".

    Raises:
        MediaError: Unreadable, unsupported, corrupt or oversized media.
        SourceError: A URL that is refused or fails to download.
    """
    return _analyzers().get(detector).analyze(source)


def iter_video(
    source: VideoSource,
    *,
    fps: float | None = None,
    every: int | None = None,
    all_frames: bool = False,
    detector: str | FaceDetector | None = None,
    workers: int = 1,
    backend: Backend = "process",
    smoothing: float | None = None,
    progress: Progress | None = None,
) -> VideoAnalysis:
    """Start analysing a video; iterate the result for tracked frame results as they come.

    Example:
        >>> with emokognition.iter_video("talk.mp4", every=3) as frames:
        ...     for frame in frames:
        ...         print(frame.t, [(face.track, face.main) for face in frame.faces])

    Args:
        source: A path, http(s) URL, or encoded bytes (mp4, mov, mkv, webm, avi, GIF).
        fps: Analysed frames per second of video (default 5, `EMOKOGNITION_VIDEO_FPS`).
        every: Analyse every N-th frame instead.
        all_frames: Analyse every frame.
        detector: "blazeface" (default), "haar", "dlib", or a detector instance.
        workers: Worker processes (segments in parallel, same result).
        backend: "process" (local) or "ray" (`EMOKOGNITION_RAY_ADDRESS`, or a local Ray).
        smoothing: Weight in [0, 1) of each track's past in its per-frame emotions (0: none;
            default: the tuned `DEFAULT_SMOOTHING` of `emokognition.video.timeline`).
        progress: Called with (frames decoded, frames in the video).

    Raises:
        MediaError: Not a video, no video stream, corrupt, too large or too long.
        SourceError: A URL that is refused or fails to download.
        RequestError: Conflicting or bad sampling, workers or backend.
    """
    from emokognition.video.analysis import iter_video as _iter_video
    from emokognition.video.options import VideoOptions
    from emokognition.video.timeline import DEFAULT_SMOOTHING

    options = VideoOptions(
        fps=fps,
        every=every,
        all_frames=all_frames,
        workers=workers,
        backend=backend,
        smoothing=DEFAULT_SMOOTHING if smoothing is None else smoothing,
    )
    if detector is None or isinstance(detector, str):  # ours: shared, loaded once
        analyzer = _analyzers().get(detector, purpose="video")
        return _iter_video(source, options, analyzer=analyzer, progress=progress)
    return _iter_video(source, options, detector=detector, progress=progress)


def analyze_video(source: VideoSource, **options: Any) -> VideoResult:
    """Every face in a video, tracked through it, with its emotions per frame and per track.

    Example:
        >>> result = emokognition.analyze_video("talk.mp4", fps=5)
        >>> [(track.id, track.main, track.alternative) for track in result.tracks]
        [(1, 'neutral', 'happy')]

    Takes the keyword arguments of `iter_video`.
    """
    with iter_video(source, **options) as analysis:
        return analysis.result()


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
    "VideoOptions",
    "VideoResult",
    "VideoSource",
    "__version__",
    "analyze_image",
    "analyze_video",
    "iter_video",
]
