"""A crowd clip made from real faces: the command line's detector options reach its frames,
and its tracks stay whole (`python -m benchmarks.tracks` measures the same clip)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from benchmarks.tracks import crowd_clip, detect, fragmentation

from emokognition.cli import main
from emokognition.config import get_settings
from emokognition.video.tracker import Tracker


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("crowd") / "crowd.mp4"
    crowd_clip(path)  # 4 s: faces move about their side between analysed frames
    return path


def _faces(capsys: pytest.CaptureFixture[str], clip: Path, *options: str) -> int:
    assert main(["analyze", str(clip), "--quiet", "--format", "json", *options]) == 0
    result = json.loads(capsys.readouterr().out)
    return sum(len(frame["faces"]) for frame in result["frames"])


def test_min_face_applies_to_videos(capsys: pytest.CaptureFixture[str], clip: Path) -> None:
    """16 px faces: one 192 px pass (`--min-face 0`) sees (almost) none; the default adaptive
    pyramid sees the crowd in every analysed frame, nearly as many as every level."""
    plain = _faces(capsys, clip, "--min-face", "0")
    default = _faces(capsys, clip)
    full = _faces(capsys, clip, "--pyramid", "full")
    assert default > 10 * max(plain, 1)
    assert default > 0.9 * full


def test_crowd_tracks_are_not_fragments(clip: Path) -> None:
    """Every face stays on screen: few tracks last only one or two analysed frames."""
    frames = detect(clip, get_settings())
    now = fragmentation(frames, Tracker())
    before = fragmentation(frames, Tracker(max_distance=1.0, max_misses=0, follow_crowd=False))
    assert now.short_share < 0.3
    assert now.tracks < before.tracks
