"""The video result contract of DESIGN.md, pinned."""

from __future__ import annotations

import json

import pytest

from emokognition.emotions import EMOTIONS
from emokognition.video.results import FrameResult, Track, VideoResult
from tests.video.factories import make_face, make_result, two_people


def test_contract_shape() -> None:
    out = make_result(two_people()).to_dict()
    assert list(out) == [
        "media",
        "model",
        "sampling",
        "frames",
        "tracks",
        "audience",
        "summary",
        "skipped",
    ]
    assert out["media"]["kind"] == "video" and {"fps", "duration", "frames"} <= set(out["media"])
    assert out["sampling"] == {"every": 2}
    frame = out["frames"][1]
    assert list(frame) == ["index", "t", "faces"] and (frame["index"], frame["t"]) == (2, 0.2)
    face = frame["faces"][0]
    assert list(face) == ["box", "score", "emotions", "main", "alternative", "track"]
    assert list(face["emotions"]) == list(EMOTIONS)
    track = out["tracks"][0]
    assert list(track) == ["id", "start", "end", "frames", "emotions", "main", "alternative"]
    assert out["summary"] == {
        "faces": 20,
        "tracks": 2,
        "main": {"happy": 10, "sad": 10},
        "alternative": {"angry": 20},
    }
    assert out["skipped"] == 0
    json.dumps(out)


def test_frames_must_be_in_order() -> None:
    good = make_result(two_people(3))
    with pytest.raises(ValueError, match="ascending"):
        VideoResult(
            media=good.media,
            model=good.model,
            sampling=good.sampling,
            frames=good.frames[::-1],
            tracks=good.tracks,
        )


def test_track_checks() -> None:
    with pytest.raises(ValueError, match="bad track"):
        Track(id=0, start=0, end=1, frames=1, emotions={}, main="happy", alternative="sad")
    with pytest.raises(ValueError, match="not be negative"):
        FrameResult(index=-1, t=0.0, faces=(make_face(),))
