"""Tracks and their timelines: ids on faces, mean emotions, smoothing."""

from __future__ import annotations

import pytest

from emokognition.video.results import FrameResult
from emokognition.video.timeline import Timelines, is_cut
from tests.video.factories import make_face, make_result, two_people


def test_ids_and_means() -> None:
    result = make_result(two_people())
    assert [f.track for frame in result.frames for f in frame.faces] == [1, 2] * 10
    happy, sad = result.tracks
    assert (happy.id, happy.main, happy.frames, happy.start, happy.end) == (
        1,
        "happy",
        10,
        0.0,
        1.8,
    )
    assert happy.emotions["happy"] == pytest.approx(0.8)
    assert sad.main == "sad" and sad.emotions["sad"] == pytest.approx(0.55)
    assert sum(sad.emotions.values()) == pytest.approx(1.0)


def test_smoothing_follows_slowly() -> None:
    frames = [
        FrameResult(index=i, t=i * 0.2, faces=(make_face(emotion="happy"),)) for i in range(3)
    ]
    frames.append(FrameResult(index=3, t=0.6, faces=(make_face(emotion="angry", strength=0.9),)))
    raw = make_result(frames).frames[-1].faces[0]
    smooth = make_result(frames, smoothing=0.8).frames[-1].faces[0]
    assert raw.main == "angry"
    assert smooth.main == "happy" and smooth.alternative == "angry"
    assert sum(smooth.emotions.values()) == pytest.approx(1.0)


def test_smoothing_must_be_a_weight() -> None:
    with pytest.raises(ValueError, match="smoothing"):
        Timelines(smoothing=1.0)


def test_no_faces_no_tracks() -> None:
    result = make_result([FrameResult(index=0, t=0.0, faces=())])
    assert result.tracks == () and result.summary == {
        "faces": 0,
        "tracks": 0,
        "main": {},
        "alternative": {},
    }


def test_a_scene_cut_ends_every_track() -> None:
    """The same place in the next shot is someone else."""
    day = (0.5, 0.5, 0.0, 0.0)
    night = (0.0, 0.0, 0.5, 0.5)
    frames = [
        FrameResult(index=i, t=i * 0.2, faces=(make_face(),), histogram=h)
        for i, h in enumerate([day, day, night, night])
    ]
    assert [frame.faces[0].track for frame in make_result(frames).frames] == [1, 1, 2, 2]
    assert is_cut(day, night) and not is_cut(day, day) and not is_cut((), night)
