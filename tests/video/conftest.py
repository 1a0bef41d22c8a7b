"""Test videos made once per session from real frames of ../shared/data/videos."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from emokognition.config import Settings
from emokognition.vision.analyzer import Analyzer
from tests.video.media import WOMAN, read_frames, write_video


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("videos")


@pytest.fixture(scope="session")
def woman_frames() -> list[NDArray[np.uint8]]:
    """20 frames (every 2nd of the first 40) of a woman talking to the camera, 596x336."""
    return read_frames(WOMAN, 20, step=2)


@pytest.fixture(scope="session")
def clip(media_dir: Path, woman_frames: list[NDArray[np.uint8]]) -> Path:
    """A 0.8 s, 25 fps H.264 mp4 with a keyframe every 10 frames."""
    return write_video(media_dir / "clip.mp4", woman_frames)


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
def analyzer(settings: Settings) -> Analyzer:
    return Analyzer(settings=settings)
