"""End to end on real videos: faces found, tracked, summarised; the iterator; bad input."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

import emokognition
from emokognition.config import Settings
from emokognition.emotions import EMOTIONS
from emokognition.errors import MediaError, MediaTooLarge, RequestError
from emokognition.video import Sampling, VideoAnalysis, VideoOptions, analyze_video, iter_video
from emokognition.video.audience import audience_bucket
from emokognition.vision.analyzer import Analyzer
from tests.video.media import HAMILTON, WOMAN, damage_packets, read_frames, write_video

Frames = list[NDArray[np.uint8]]


@pytest.fixture(scope="module")
def woman(analyzer: Analyzer) -> emokognition.VideoResult:
    return analyze_video(WOMAN, analyzer=analyzer)


def test_one_person_one_track(woman: emokognition.VideoResult) -> None:
    """woman_talking.mp4: one face in every analysed frame, one track from start to end."""
    assert woman.sampling == Sampling(fps=5.0)
    assert len(woman.frames) == 23  # 4.65 s at 5 per second
    assert all(len(frame.faces) == 1 for frame in woman.frames)
    (track,) = woman.tracks
    assert (track.id, track.frames, track.start) == (1, 23, 0.0)
    assert track.end == woman.frames[-1].t == pytest.approx(4.4)
    assert {face.track for face in woman.faces()} == {1}
    means = np.mean([[f.emotions[e] for e in EMOTIONS] for f in woman.faces()], axis=0)
    np.testing.assert_allclose([track.emotions[e] for e in EMOTIONS], means, atol=1e-6)
    assert track.main == EMOTIONS[int(np.argmax(means))]


def test_contract(woman: emokognition.VideoResult) -> None:
    out = json.loads(json.dumps(woman.to_dict()))
    assert out["media"]["kind"] == "video" and out["media"]["frames"] == 115
    assert out["model"] == {"detector": "blazeface", "classifier": woman.model.classifier}
    assert out["summary"]["faces"] == 23 and out["summary"]["tracks"] == 1
    assert sum(out["summary"]["main"].values()) == 23
    assert (out["frames"][1]["index"], out["frames"][1]["t"]) == (5, 0.2)
    assert out["skipped"] == 0


def test_faces_match_the_image_analyzer(
    analyzer: Analyzer, woman_frames: Frames, clip: Path
) -> None:
    """Batched video analysis finds what `Analyzer.faces` finds on each decoded frame (unsmoothed:
    each frame's own probabilities)."""
    result = analyze_video(clip, VideoOptions(every=5, smoothing=0.0), analyzer=analyzer)
    from emokognition.video.decode import FrameReader
    from emokognition.video.plan import Plan
    from emokognition.video.probe import probe_video

    probe = probe_video(clip, analyzer.settings)
    frames = FrameReader(probe, Plan.build(probe.index, Sampling(every=5)).selected)
    for decoded, analysed in zip(frames, result.frames, strict=True):
        alone = analyzer.faces(decoded.pixels)
        assert [f.box for f in alone] == [f.box for f in analysed.faces]
        for a, b in zip(alone, analysed.faces, strict=True):
            assert a.main == b.main
            np.testing.assert_allclose(a.probabilities, b.probabilities, atol=1e-4)


def test_several_people_with_cuts(analyzer: Analyzer) -> None:
    result = analyze_video(HAMILTON, analyzer=analyzer)
    assert len(result.tracks) >= 2
    assert sum(t.frames for t in result.tracks) == result.summary["faces"]
    for frame in result.frames:
        ids = [face.track for face in frame.faces]
        assert len(ids) == len(set(ids))  # two faces of one frame are never one person


def test_iterator_yields_as_it_goes(analyzer: Analyzer, clip: Path) -> None:
    seen: list[tuple[int, int]] = []
    with iter_video(
        clip, VideoOptions(every=2), analyzer=analyzer, progress=lambda d, t: seen.append((d, t))
    ) as run:
        assert run.media.frames == 20
        first = next(run)
        assert first.index == 0 and first.faces[0].track == 1
        rest = list(run)
        result = run.result()
    assert [f.index for f in result.frames] == [0, *[f.index for f in rest]]
    assert seen[-1] == (20, 20) and all(d <= t for d, t in seen)


def test_stopping_early_releases_the_decoder(analyzer: Analyzer) -> None:
    run = iter_video(HAMILTON, VideoOptions(all_frames=True), analyzer=analyzer)
    next(run)
    run.close()
    with pytest.raises(StopIteration):
        next(run)


def test_all_frames_and_every(analyzer: Analyzer, clip: Path) -> None:
    assert len(analyze_video(clip, VideoOptions(all_frames=True), analyzer=analyzer).frames) == 20
    result = analyze_video(clip, VideoOptions(every=3), analyzer=analyzer)
    assert [f.index for f in result.frames] == list(range(0, 20, 3))
    assert result.to_dict()["sampling"] == {"every": 3}


def test_damaged_middle_reports_skipped(analyzer: Analyzer, clip: Path) -> None:
    result = analyze_video(
        damage_packets(clip, 12, 3), VideoOptions(all_frames=True), analyzer=analyzer
    )
    assert result.skipped == 3 and result.to_dict()["skipped"] == 3
    assert len(result.frames) == 17 and result.frames[-1].index == 19


def test_rotated_phone_video_is_analysed_upright(
    analyzer: Analyzer, media_dir: Path, woman_frames: Frames
) -> None:
    path = write_video(media_dir / "phone.mp4", woman_frames[:5], rotation=90)
    result = analyze_video(path, VideoOptions(all_frames=True), analyzer=analyzer)
    assert (result.media.width, result.media.height) == (596, 336)
    assert all(len(frame.faces) == 1 for frame in result.frames)


def test_public_function_shares_the_models(clip: Path) -> None:
    result = emokognition.analyze_video(clip.read_bytes(), fps=2)
    assert result.media.sha256 is not None and len(result.frames) == 2


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"fps": 2.0, "every": 2}, RequestError),
        ({"workers": 0}, RequestError),
        ({"backend": "spark"}, RequestError),
    ],
)
def test_bad_requests(
    clip: Path, analyzer: Analyzer, kwargs: dict[str, object], error: type[Exception]
) -> None:
    with pytest.raises(error):
        analyze_video(clip, VideoOptions(**kwargs), analyzer=analyzer)  # type: ignore[arg-type]


def test_limits_come_from_settings(clip: Path) -> None:
    with pytest.raises(MediaTooLarge):
        analyze_video(clip, settings=Settings(max_video_seconds=0.5))
    with pytest.raises(MediaError, match="expected a video"):
        analyze_video(b"not a video at all")


def test_a_new_shot_starts_new_tracks(analyzer: Analyzer, media_dir: Path) -> None:
    """A woman talking, then a stage: whoever stands where she stood is someone else."""
    woman = read_frames(WOMAN, 12, step=4)
    stage = [
        np.asarray(cv2.resize(f, (596, 336)), dtype=np.uint8)
        for f in read_frames(HAMILTON, 12, step=4)
    ]
    result = analyze_video(
        write_video(media_dir / "cut.mp4", woman + stage),
        VideoOptions(all_frames=True),
        analyzer=analyzer,
    )
    before = {face.track for frame in result.frames[:12] for face in frame.faces}
    after = {face.track for frame in result.frames[12:] for face in frame.faces}
    assert before == {1} and after and not before & after


def test_without_kept_frames_the_head_is_the_result_but_its_frames(analyzer: Analyzer) -> None:
    """A service job keeps no frame: what it gets besides them is what `to_dict()` has."""
    whole = analyze_video(HAMILTON, analyzer=analyzer).to_dict()
    with VideoAnalysis(HAMILTON, analyzer=analyzer, keep_frames=False) as analysis:
        frames = [frame.to_dict() for frame in analysis]
        head = analysis.head()
        with pytest.raises(ValueError, match="keep_frames"):
            analysis.result()
    assert frames == whole.pop("frames")
    assert head == whole and head["summary"]["tracks"] > 1
    assert analysis.analysed == len(frames)


def test_a_chosen_bucket_gives_at_most_720_audience_spans(analyzer: Analyzer) -> None:
    result = analyze_video(HAMILTON, VideoOptions(bucket=None), analyzer=analyzer)
    assert result.bucket == 1.0  # a short clip keeps 1 s spans
    assert audience_bucket(3600.0) == 5.0 and audience_bucket(720.0) == 1.0
    assert audience_bucket(721.0) == 2.0 and audience_bucket(None) == 1.0
