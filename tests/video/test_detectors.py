"""The detector video frames get: BlazeFace without tiles unless configured; workers' twin."""

from __future__ import annotations

from emokognition.config import Settings
from emokognition.video.detectors import (
    portable,
    single_threaded,
    video_analyzer,
    video_detector,
)
from emokognition.vision.blazeface import BlazeFace


def test_default_is_blazeface_on_the_whole_frame() -> None:
    detector = video_detector(None, Settings())
    assert isinstance(detector, BlazeFace) and detector.tiles == 0
    tiled = video_detector("blazeface", Settings(video_tiles=2))
    assert isinstance(tiled, BlazeFace) and tiled.tiles == 2
    assert video_detector("haar", Settings()) == "haar"


def test_workers_rebuild_the_same_detector_on_one_thread() -> None:
    original = BlazeFace("short", min_score=0.6, tiles=3, threads=0)
    twin = single_threaded(portable(original))
    assert isinstance(twin, BlazeFace)
    assert (twin.variant, twin.min_score, twin.tiles, twin._model.threads) == ("short", 0.6, 3, 1)
    assert single_threaded("dlib") == "dlib"


def test_video_analyzer_uses_one_thread_unless_told() -> None:
    assert video_analyzer(None, Settings()).settings.threads == 1
    assert video_analyzer("haar", Settings(threads=2)).settings.threads == 2
