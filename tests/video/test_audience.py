"""The audience timeline: everyone on screen per time bucket, with no holes."""

from __future__ import annotations

import pytest

from emokognition.emotions import EMOTIONS
from emokognition.errors import RequestError
from emokognition.video.audience import AudienceMood, AudienceTimeline, audience_timeline
from emokognition.video.options import VideoOptions
from emokognition.video.results import FrameResult
from tests.video.factories import make_face, make_result, two_people


def test_buckets_cover_the_video_and_count_people_once() -> None:
    result = make_result(two_people(10))  # 0.0 .. 1.8 s, 2 people in every frame
    spans = result.audience
    assert [(s.start, s.end) for s in spans] == [(0.0, 1.0), (1.0, 2.0)]
    assert [s.frames for s in spans] == [5, 5]
    assert [s.faces for s in spans] == [10, 10] and [s.people for s in spans] == [2, 2]
    first = spans[0]
    assert first.emotions is not None and first.shares is not None
    assert sum(first.emotions.values()) == pytest.approx(1.0)
    # Half the faces are happy (0.8), half sad (0.5 or 0.6): equal shares, happy on top by mean.
    assert first.shares["happy"] == first.shares["sad"] == 0.5
    assert (first.main, first.alternative) == ("happy", "sad")


def test_a_bucket_without_frames_is_kept_empty() -> None:
    frames = [
        FrameResult(index=0, t=0.0, faces=(make_face(emotion="sad"),)),
        FrameResult(index=30, t=3.0, faces=()),
    ]
    spans = make_result(frames).audience
    assert [s.frames for s in spans] == [1, 0, 0, 1]
    assert [s.faces for s in spans] == [1, 0, 0, 0]
    assert spans[1].emotions is None and spans[1].main is None
    assert spans[1].to_dict()["shares"] is None
    assert spans[0].to_dict()["shares"] == {name: float(name == "sad") for name in EMOTIONS}


def test_bucket_size_is_an_option() -> None:
    spans = audience_timeline(make_result(two_people(10)).frames, 0.5, duration=2.0)
    assert len(spans) == 4 and spans[-1].end == 2.0
    with pytest.raises(RequestError, match="bucket"):
        VideoOptions(bucket=0)
    with pytest.raises(ValueError, match="bucket"):
        audience_timeline((), float("nan"))
    with pytest.raises(ValueError, match="emotions"):
        AudienceMood(0, 1, 1, 0, 0, {"happy": 1.0}, None, None, None)


def test_built_as_frames_come_it_equals_the_timeline_of_them_all() -> None:
    frames = [
        *two_people(10),
        FrameResult(index=40, t=4.2, faces=(make_face(emotion="sad"),)),
        FrameResult(index=41, t=4.3, faces=()),
    ]
    timeline = AudienceTimeline(0.5, duration=6.0)
    assert timeline.moods() == ()
    for frame in frames:
        timeline.add(frame)
    assert timeline.moods() == audience_timeline(frames, 0.5, duration=6.0)
    assert len(timeline.moods()) == 12 and timeline.moods()[8].frames == 2
    with pytest.raises(ValueError, match="time order"):
        timeline.add(FrameResult(index=1, t=0.1, faces=()))
