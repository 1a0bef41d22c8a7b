"""Video results as DataFrames and as their plot in a notebook, on a real video."""

from __future__ import annotations

from pathlib import Path

import pytest

from emokognition.emotions import EMOTIONS
from emokognition.video.analysis import analyze_video
from emokognition.video.options import VideoOptions
from emokognition.video.results import VideoResult
from emokognition.vision.analyzer import Analyzer


@pytest.fixture(scope="module")
def result(clip: Path, analyzer: Analyzer) -> VideoResult:
    return analyze_video(clip, VideoOptions(every=2), analyzer=analyzer)


def test_one_row_per_face_per_frame_with_track_and_time(result: VideoResult) -> None:
    table = result.to_frame()
    faces = [(frame, face) for frame in result.frames for face in frame.faces]
    assert len(faces) >= 5
    assert list(table.columns[:3]) == ["frame", "t", "track"]
    assert len(table) == len(faces)
    for row, (frame, face) in zip(table.itertuples(index=False), faces, strict=True):
        assert (row.frame, row.t, row.track) == (frame.index, frame.t, face.track)
        assert row.main == face.main and row.happy == pytest.approx(face.emotions["happy"])
    assert table["t"].is_monotonic_increasing


def test_tracks_frame_matches_the_tracks(result: VideoResult) -> None:
    table = result.tracks_frame()
    assert list(table["track"]) == [track.id for track in result.tracks]
    assert list(table["frames"]) == [track.frames for track in result.tracks]
    assert table[list(EMOTIONS)].sum(axis=1).to_numpy() == pytest.approx(1.0, abs=1e-5)
    # Frames per track add up to the face rows of each track.
    per_track = result.to_frame().groupby("track").size()
    assert per_track.to_dict() == dict(zip(table["track"], table["frames"], strict=True))


def test_audience_frame_follows_the_audience_timeline(result: VideoResult) -> None:
    spans = result.to_dict()["audience"]
    table = result.audience_frame()
    assert len(table) == len(spans) >= 1
    assert list(table["faces"]) == [span["faces"] for span in spans]
    with_faces = table[table["faces"] > 0]
    assert with_faces[list(EMOTIONS)].sum(axis=1).to_numpy() == pytest.approx(1.0, abs=1e-4)
    shares = [f"{name}_share" for name in EMOTIONS]
    assert with_faces[shares].sum(axis=1).to_numpy() == pytest.approx(1.0, abs=1e-4)


def test_notebook_shows_the_plot(result: VideoResult) -> None:
    png = result._repr_png_()
    assert png is not None and png.startswith(b"\x89PNG") and len(png) > 5000
