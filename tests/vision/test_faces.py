from __future__ import annotations

import pickle

import numpy as np
import pytest

from emokognition.emotions import EMOTIONS
from emokognition.vision.faces import Detection, Face, summarize, top_two


def _face(probs: list[float]) -> Face:
    return Face.from_probabilities(
        Detection(box=(10.4, 20.6, 30.2, 40.0), score=0.87654), np.array(probs, np.float32)
    )


def test_emotions_are_the_fer2013_order() -> None:
    assert EMOTIONS == ("angry", "disgusted", "fearful", "happy", "sad", "surprised", "neutral")


def test_face_from_probabilities() -> None:
    face = _face([0.01, 0.0, 0.02, 0.9, 0.01, 0.05, 0.01])
    assert (face.main, face.alternative) == ("happy", "surprised")
    assert face.box == (10, 21, 30, 40)
    data = face.to_dict()
    assert list(data) == ["box", "score", "emotions", "main", "alternative"]
    assert sum(data["emotions"].values()) == pytest.approx(1.0, abs=1e-4)
    assert list(data["emotions"]) == list(EMOTIONS)


def test_a_faces_emotions_cannot_change_and_survive_pickling() -> None:
    given = dict(zip(EMOTIONS, [0.01, 0.0, 0.02, 0.9, 0.01, 0.05, 0.01], strict=True))
    face = Face(box=(1, 2, 3, 4), score=0.9, emotions=given, main="happy", alternative="surprised")
    given["happy"] = 0.0  # the caller's dict is copied, not kept
    assert face.emotions["happy"] == 0.9
    with pytest.raises(TypeError):
        face.emotions["happy"] = 0.5  # type: ignore[index]
    assert pickle.loads(pickle.dumps(face)) == face
    assert face.emotions == {**given, "happy": 0.9}


def test_ties_break_in_label_order() -> None:
    assert top_two(np.full(7, 1 / 7, dtype=np.float32)) == ("angry", "disgusted")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"emotions": {"happy": 1.0}}, "keyed"),
        ({"emotions": dict.fromkeys(EMOTIONS, 0.5)}, "sum to 1"),
        ({"main": "happy", "alternative": "happy"}, "main/alternative"),
        ({"main": "bored"}, "main/alternative"),
    ],
)
def test_face_refuses_inconsistent_values(kwargs: dict[str, object], message: str) -> None:
    values: dict[str, object] = {
        "box": (0, 0, 1, 1),
        "score": 1.0,
        "emotions": dict.fromkeys(EMOTIONS, 1 / 7),
        "main": "angry",
        "alternative": "disgusted",
    }
    values.update(kwargs)
    with pytest.raises(ValueError, match=message):
        Face(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("box", "score"), [((0, 0, 0, 5), 0.5), ((0, 0, 5, 5), 1.5), ((0, 0, 5), 0.5)]
)
def test_detection_validates(box: tuple[float, ...], score: float) -> None:
    with pytest.raises(ValueError):
        Detection(box=box, score=score)  # type: ignore[arg-type]


def test_summary_counts_main_and_alternative() -> None:
    faces = [
        _face([0.01, 0.0, 0.02, 0.9, 0.01, 0.05, 0.01]),
        _face([0.01, 0.0, 0.02, 0.6, 0.01, 0.05, 0.31]),
        _face([0.7, 0.0, 0.0, 0.0, 0.3, 0.0, 0.0]),
    ]
    assert summarize(faces) == {
        "faces": 3,
        "main": {"angry": 1, "happy": 2},
        "alternative": {"sad": 1, "surprised": 1, "neutral": 1},
    }
    assert summarize([]) == {"faces": 0, "main": {}, "alternative": {}}
