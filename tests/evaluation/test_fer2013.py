"""The FER2013 report on a real PublicTest slice: accuracy, calibration, FER+ agreement."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from emokognition.emotions import EMOTIONS
from emokognition.errors import MediaError
from emokognition.evaluation.fer2013 import (
    ClassifierReport,
    FerPlus,
    cross_entropy,
    evaluate_classifier,
    expected_calibration_error,
    format_classifier_report,
    load_fer2013,
    load_ferplus,
)
from emokognition.vision.classifier import create_classifier
from tests.shared import FER2013_PUBLICTEST, SAMPLE_PHOTO

N = 300


def publictest_ferplus() -> FerPlus:
    ferplus = load_ferplus(FER2013_PUBLICTEST)
    assert ferplus is not None
    return ferplus


@pytest.fixture(scope="module", params=["mini-xception-fer2013", "emonet32-fer2013"])
def report(request: pytest.FixtureRequest) -> ClassifierReport:
    images, labels = load_fer2013(FER2013_PUBLICTEST)
    ferplus = publictest_ferplus()
    classifier = create_classifier(request.param)
    return evaluate_classifier(classifier, images[:N], labels[:N], ferplus=ferplus[:N])


def test_report_on_a_publictest_slice(report: ClassifierReport) -> None:
    assert report.samples == N and report.mirror
    assert report.classifier in ("mini-xception-fer2013", "emonet32-fer2013")
    assert 0.4 < report.top1 < report.top2 <= 1.0
    assert report.confusion.shape == (7, 7) and report.confusion.sum() == N
    assert list(report.recall) == list(EMOTIONS)
    assert all(0.0 <= r <= 1.0 for r in report.recall.values())
    assert 0.0 < report.ece < 0.2


def test_ferplus_fields_count_only_the_rows_that_have_them(report: ClassifierReport) -> None:
    with np.load(FER2013_PUBLICTEST) as data:
        majority = data["ferplus_majority"][:N]
        votes = data["ferplus_votes"][:N]
    assert report.ferplus_majorities == int((majority >= 0).sum()) < N
    assert report.ferplus_voted == int(((votes >= 0).all(1) & (votes[:, :7].sum(1) > 0)).sum())
    assert report.ferplus_agreement is not None and 0.4 < report.ferplus_agreement < 1.0
    assert report.ferplus_cross_entropy is not None
    assert 0.3 < report.ferplus_cross_entropy < np.log(7) * 2


def test_agreement_is_top1_against_the_majority() -> None:
    images, labels = load_fer2013(FER2013_PUBLICTEST)
    ferplus = publictest_ferplus()[:N]
    classifier = create_classifier("mini-xception-fer2013")
    report = evaluate_classifier(classifier, images[:N], labels[:N], ferplus=ferplus)
    predicted = classifier.predict(images[:N]).argmax(axis=1)
    has = ferplus.majority >= 0
    assert report.ferplus_agreement == pytest.approx(
        float((predicted[has] == ferplus.majority[has]).mean())
    )


def test_to_dict_is_json(report: ClassifierReport) -> None:
    out = json.loads(json.dumps(report.to_dict()))
    assert out["samples"] == N and out["classifier"] == report.classifier
    assert set(out["ferplus"]) == {"agreement", "majorities", "cross_entropy", "voted"}
    assert sum(map(sum, out["confusion"])) == N


def test_text_lines(report: ClassifierReport) -> None:
    lines = format_classifier_report(report)
    assert lines[0].startswith(f"{report.classifier} on {N} crops (mirror-averaged): top-1 ")
    assert "ECE" in lines[0]
    assert any(line.startswith("FER+ majority agreement") for line in lines)
    assert any(line.startswith("cross-entropy against the FER+ votes") for line in lines)
    rows = [line for line in lines if line.split(" ")[0] in EMOTIONS]
    assert len(rows) == 7 and all(line.endswith("%") for line in rows)
    assert all("\n" not in line for line in lines)


def test_without_ferplus_the_fields_are_absent() -> None:
    images, labels = load_fer2013(FER2013_PUBLICTEST)
    report = evaluate_classifier(
        create_classifier("emonet32-fer2013", flip=False), images[:50], labels[:50]
    )
    assert report.ferplus_agreement is None and report.ferplus_cross_entropy is None
    assert report.to_dict()["ferplus"] == {
        "agreement": None,
        "majorities": 0,
        "cross_entropy": None,
        "voted": 0,
    }
    assert not any("FER+" in line for line in format_classifier_report(report))
    assert "mirror" not in format_classifier_report(report)[0]
    with pytest.raises(ValueError, match="FER\\+ rows for 50 images"):
        evaluate_classifier(
            create_classifier("emonet32-fer2013"),
            images[:50],
            labels[:50],
            ferplus=publictest_ferplus()[:40],
        )


def test_ferplus_votes_map_to_our_order() -> None:
    # neutral, happiness, surprise, sadness, anger, disgust, fear, contempt, unknown, NF
    votes = np.array(
        [
            [0, 10, 0, 0, 0, 0, 0, 0, 0, 0],  # all happy
            [2, 0, 0, 0, 6, 0, 0, 1, 1, 0],  # angry 6, neutral 2; contempt and unknown dropped
            [0, 0, 0, 0, 0, 0, 0, 3, 2, 5],  # no emotion we name: skipped
            [-1] * 10,  # unknown: skipped
        ]
    )
    shares, has = FerPlus(majority=np.array([3, 0, -1, -1]), votes=votes).distributions()
    assert has.tolist() == [True, True, False, False]
    assert shares[0, EMOTIONS.index("happy")] == 1.0
    assert (
        shares[1, EMOTIONS.index("angry")] == 0.75 and shares[1, EMOTIONS.index("neutral")] == 0.25
    )
    probs = np.full((2, 7), 1 / 7, np.float32)
    assert cross_entropy(probs, shares[has]) == pytest.approx(np.log(7), rel=1e-6)


def test_expected_calibration_error() -> None:
    labels = np.array([0] * 10)
    confident = np.tile(np.array([0.9, 0.1, 0, 0, 0, 0, 0], np.float32), (10, 1))
    confident[5:] = [0.1, 0.9, 0, 0, 0, 0, 0]  # 90 % sure everywhere, right half the time
    assert expected_calibration_error(confident, labels) == pytest.approx(0.4)
    honest = np.tile(np.array([0.5, 0.5, 0, 0, 0, 0, 0], np.float32), (10, 1))
    honest[5:, 0] = 0.49  # 0.5 confident: right on 5 (argmax 0), wrong on 5 (argmax 1)
    honest[5:, 1] = 0.51
    assert expected_calibration_error(honest, labels) == pytest.approx(0.004, abs=1e-3)
    assert expected_calibration_error(np.empty((0, 7), np.float32), np.empty(0, np.int64)) == 0.0


def _npz(path: Path, **arrays: NDArray[np.generic]) -> Path:
    np.savez(path, **arrays)  # type: ignore[arg-type]  # numpy stubs: allow_pickle overload
    return path


def test_files_that_are_not_fer2013_arrays(tmp_path: Path) -> None:
    text = tmp_path / "notes.npz"
    text.write_text("images, labels\n")
    photo = tmp_path / "photo.npz"
    photo.write_bytes(SAMPLE_PHOTO.read_bytes())
    for path in (text, photo):
        with pytest.raises(MediaError, match=r"is not a \.npz file") as caught:
            load_fer2013(path)
        assert "pickle" not in str(caught.value)
    with pytest.raises(MediaError, match="no such file"):
        load_fer2013(tmp_path / "missing.npz")
    only_images = _npz(tmp_path / "images.npz", images=np.zeros((2, 48, 48), np.uint8))
    with pytest.raises(MediaError, match=r"lacks labels \(it has images\)"):
        load_fer2013(only_images)
    assert load_ferplus(only_images) is None  # plain FER2013: no FER+ numbers
    half = _npz(tmp_path / "half.npz", ferplus_majority=np.zeros(2, np.int8))
    with pytest.raises(MediaError, match=r"lacks ferplus_votes \(it has ferplus_majority\)"):
        load_ferplus(half)
    bad_labels = _npz(
        tmp_path / "bad.npz", images=np.zeros((2, 48, 48), np.uint8), labels=np.array([0, 9])
    )
    with pytest.raises(MediaError, match=r"labels must be 0\.\.6"):
        load_fer2013(bad_labels)
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(FER2013_PUBLICTEST.read_bytes()[:100_000])
    with pytest.raises(MediaError, match=r"truncated\.npz"):
        load_fer2013(truncated)
