"""Video analysis: streaming decode, batched recognition, tracking, timelines, parallel runs."""

from emokognition.video.analysis import Progress, VideoAnalysis, analyze_video, iter_video
from emokognition.video.options import VideoOptions
from emokognition.video.parallel import BACKENDS, Backend
from emokognition.video.probe import VideoSource
from emokognition.video.results import FrameResult, Track, VideoResult
from emokognition.video.sampling import Sampling
from emokognition.video.tracker import Tracker

__all__ = [
    "BACKENDS",
    "Backend",
    "FrameResult",
    "Progress",
    "Sampling",
    "Track",
    "Tracker",
    "VideoAnalysis",
    "VideoOptions",
    "VideoResult",
    "VideoSource",
    "analyze_video",
    "iter_video",
]
