"""Parallel runs give the very same faces and tracks as a single process: local processes
and a real local Ray."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from emokognition.video import VideoOptions, VideoResult, analyze_video
from emokognition.vision.analyzer import Analyzer
from tests.video.media import HAMILTON


@pytest.fixture(scope="module")
def single() -> VideoResult:
    return analyze_video(HAMILTON)


def _same(a: VideoResult, b: VideoResult) -> None:
    assert a.to_dict() == b.to_dict()


def test_two_processes(single: VideoResult) -> None:
    assert len(single.tracks) >= 2 and len(single.frames) == 46
    _same(single, analyze_video(HAMILTON, VideoOptions(workers=2)))


def test_two_processes_from_bytes(single: VideoResult) -> None:
    _same(single, analyze_video(HAMILTON.read_bytes(), VideoOptions(workers=2)))


def test_workers_use_the_callers_analyzer(analyzer: Analyzer, clip: Path) -> None:
    """More workers than segments; the caller's detector (with tiles) goes to the workers."""
    one = analyze_video(clip, VideoOptions(every=4), analyzer=analyzer)
    _same(one, analyze_video(clip, VideoOptions(every=4, workers=3), analyzer=analyzer))


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[Any]:
    """A real local Ray with 2 CPUs (or the cluster at EMOKOGNITION_RAY_ADDRESS)."""
    ray = pytest.importorskip("ray")
    address = os.environ.get("EMOKOGNITION_RAY_ADDRESS") or None
    if address:
        ray.init(address=address, include_dashboard=False, log_to_driver=False)
    else:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def test_ray(ray_cluster: Any, single: VideoResult) -> None:
    _same(single, analyze_video(HAMILTON, VideoOptions(workers=2, backend="ray")))


def test_ray_ships_bytes(ray_cluster: Any, single: VideoResult) -> None:
    """Bytes (a download) travel to the actors through Ray's object store."""
    _same(single, analyze_video(HAMILTON.read_bytes(), VideoOptions(workers=2, backend="ray")))
