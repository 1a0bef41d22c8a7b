"""Timeline plots: a PNG with a panel per track."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import cv2

from emokognition.video.plot import plot_timelines
from tests.video.factories import make_result, two_people


def test_png_with_a_panel_per_track(tmp_path: Path) -> None:
    alone = [replace(frame, faces=frame.faces[:1]) for frame in two_people()]
    one = plot_timelines(make_result(alone), tmp_path / "one.png")
    two = plot_timelines(make_result(two_people()), tmp_path / "two.png")
    images = [cv2.imread(str(p)) for p in (one, two)]
    heights = [image.shape[0] for image in images if image is not None]
    assert heights[1] > heights[0] > 100


def test_no_faces(tmp_path: Path) -> None:
    assert cv2.imread(str(plot_timelines(make_result([]), tmp_path / "none.png"))) is not None
