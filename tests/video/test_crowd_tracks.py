"""A crowd clip made from real faces: the command line's detector options reach its frames,
and its tracks stay whole (`python -m benchmarks.tracks` measures the same clip)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import av
import cv2
import pytest
from benchmarks.tracks import crowd_clip, detect, fragmentation

from emokognition.cli import main
from emokognition.config import get_settings
from emokognition.video import VideoOptions, analyze_video
from emokognition.video.annotate import write_annotated
from emokognition.video.tracker import Tracker
from emokognition.vision.annotate import Style, layout
from emokognition.vision.labels import overlaps

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "annotate"


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


def test_a_crowd_videos_labels_cover_no_face(clip: Path, tmp_path: Path) -> None:
    """Every analysed frame of the crowd clip: each face's label (its track number where the
    full text does not fit) beside it, over no other face or label, inside the frame; the
    annotated video keeps the frame size (a frame is saved to artifacts/annotate/)."""
    result = analyze_video(clip, VideoOptions(fps=2.0))
    width, height = result.media.width, result.media.height
    for frame in result.frames:
        labels = layout((height, width, 3), frame.faces, Style.of(width, height))
        assert len(frame.faces) > 50 and not any(label.covers for label in labels)
        boxes = [face.box for face in frame.faces]
        for label in labels:
            x, y, w, h = label.rect
            assert x >= 0 and y >= 0 and x + w <= width and y + h <= height
            assert not any(overlaps(label.rect, box) for box in boxes)
        assert not any(overlaps(a.rect, b.rect) for a, b in itertools.combinations(labels, 2))
        assert {label.text for label in labels if not label.full} <= {
            f"#{face.track}" for face in frame.faces
        } | {f"#{face.track} {face.main}" for face in frame.faces}
    target = write_annotated(clip, result, tmp_path / "crowd.mp4")
    with av.open(str(target)) as video:
        first = next(video.decode(video=0)).to_ndarray(format="bgr24")
    assert first.shape == (height, width, 3)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(ARTIFACTS / "crowd_video_frame.png"), first)
