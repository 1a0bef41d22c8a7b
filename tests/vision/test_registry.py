"""One registry: a photo and a video frame get the analyzers their settings say; workers
rebuild the same analyzer on one thread."""

from __future__ import annotations

import pickle

from emokognition.config import Settings
from emokognition.video.workers import AnalyzerSpec
from emokognition.vision.blazeface import BlazeFace
from emokognition.vision.registry import AnalyzerRegistry, build_analyzer


def test_photos_get_tiles_and_video_frames_video_tiles_on_one_thread() -> None:
    registry = AnalyzerRegistry(Settings(tiles=2, video_tiles=0, threads=0))
    photo, video = registry.get(), registry.get(purpose="video")
    assert isinstance(photo.detector, BlazeFace) and isinstance(video.detector, BlazeFace)
    assert (photo.detector.tiles, video.detector.tiles) == (2, 0)
    assert (photo.settings.threads, video.settings.threads) == (0, 1)
    assert registry.get() is photo and registry.get("blazeface", purpose="video") is video
    tiled_video = AnalyzerRegistry(Settings(video_tiles=3)).get(purpose="video")
    assert isinstance(tiled_video.detector, BlazeFace) and tiled_video.detector.tiles == 3


def test_photos_and_video_frames_get_the_adaptive_pyramid_by_default() -> None:
    registry = AnalyzerRegistry(Settings())
    photo, video = registry.get().detector, registry.get(purpose="video").detector
    assert isinstance(photo, BlazeFace) and isinstance(video, BlazeFace)
    assert (photo.min_face, video.min_face) == (16, 16)
    assert photo.adaptive and video.adaptive


def test_the_old_searches_stay_reachable_by_settings() -> None:
    registry = AnalyzerRegistry(Settings(min_face=0, video_min_face=24, pyramid="full"))
    photo, video = registry.get().detector, registry.get(purpose="video").detector
    assert isinstance(photo, BlazeFace) and isinstance(video, BlazeFace)
    assert (photo.min_face, video.min_face) == (0, 24)  # 0: one 192 px pass, as before
    assert photo.plan(1280, 720) is None and not video.adaptive


def test_threads_asked_for_are_kept_for_video() -> None:
    assert build_analyzer("haar", Settings(threads=2), "video").settings.threads == 2
    assert build_analyzer(None, Settings(), "video").settings.threads == 1


def test_analyzers_share_a_classifier_per_name_and_thread_count() -> None:
    registry = AnalyzerRegistry(Settings(threads=1))
    haar, blaze = registry.get("haar"), registry.get("blazeface")
    assert haar.classifier is blaze.classifier
    other = registry.get("haar", classifier="mini-xception-fer2013")
    assert other.classifier.name == "mini-xception-fer2013"


def test_workers_rebuild_the_same_analyzer_on_one_thread() -> None:
    original = AnalyzerRegistry(Settings(video_tiles=3, threads=2)).get(purpose="video")
    spec = pickle.loads(pickle.dumps(AnalyzerSpec.like(original)))
    twin = spec.build()
    assert isinstance(twin.detector, BlazeFace)
    assert twin.detector.tiles == 3 and twin.detector._model.threads == 1
    assert twin.model == original.model


def test_a_callers_detector_instance_travels_as_it_is() -> None:
    mine = BlazeFace("short", min_score=0.6)
    spec = AnalyzerSpec.like(build_analyzer(mine, Settings(), "video"))
    assert spec.detector is mine
