"""Timeline plots: the audience panel first, then a panel per track."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from emokognition.video import VideoOptions, analyze_video
from emokognition.video.plot import AUDIENCE_TITLE, plot_timelines, timeline_figure
from tests.video.factories import make_result, two_people
from tests.video.media import WOMAN


def test_png_with_the_audience_then_a_panel_per_track(tmp_path: Path) -> None:
    alone = [replace(frame, faces=frame.faces[:1]) for frame in two_people()]
    one = plot_timelines(make_result(alone), tmp_path / "one.png")
    two = plot_timelines(make_result(two_people()), tmp_path / "two.png")
    images = [cv2.imread(str(p)) for p in (one, two)]
    heights = [image.shape[0] for image in images if image is not None]
    assert heights[1] > heights[0] > 100
    titles = [ax.get_title(loc="left") for ax in timeline_figure(make_result(two_people())).axes]
    assert len(titles) == 3 and titles[0].startswith(AUDIENCE_TITLE)
    assert titles[1].startswith("track 1") and titles[2].startswith("track 2")
    assert "up to 2 on screen" in titles[0]


def test_the_audience_panel_of_a_real_video(tmp_path: Path) -> None:
    result = analyze_video(str(WOMAN), VideoOptions(fps=2))
    figure = timeline_figure(result)
    audience = figure.axes[0]
    assert audience.get_title(loc="left").startswith(AUDIENCE_TITLE)
    # One line per emotion through the buckets' middles, and each bucket's mean where seen.
    lines = audience.get_lines()
    assert [line.get_label() for line in lines][:7] == [
        "angry", "disgusted", "fearful", "happy", "sad", "surprised", "neutral",
    ]  # fmt: skip
    expected = [(mood.emotions or {}).get("happy", math.nan) for mood in result.audience]
    drawn = np.asarray(lines[3].get_ydata(), dtype=np.float64)
    np.testing.assert_allclose(drawn, np.array(expected, dtype=np.float64), equal_nan=True)
    assert len(figure.axes) == 1 + len(result.tracks)
    assert cv2.imread(str(plot_timelines(result, tmp_path / "woman.png"))) is not None


def test_no_faces(tmp_path: Path) -> None:
    assert cv2.imread(str(plot_timelines(make_result([]), tmp_path / "none.png"))) is not None
    assert len(timeline_figure(make_result([])).axes) == 1
