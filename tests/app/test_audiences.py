"""A stored video result's audience: as recorded, or rebuilt from its frames (results stored
before videos carried one) to the same numbers; nothing for a photo or a broken result."""

from __future__ import annotations

import copy
from typing import Any

import pytest

import emokognition
from emokognition.app import audience_of
from tests.shared import VIDEOS


@pytest.fixture(scope="module")
def stored() -> dict[str, Any]:
    """hamilton_stage.mp4's result (10 people over 9.2 s) as the store keeps it."""
    result: dict[str, Any] = emokognition.analyze_video(VIDEOS / "hamilton_stage.mp4").to_dict()
    return result


def test_a_recorded_audience_is_taken_as_it_is(stored: dict[str, Any]) -> None:
    assert audience_of(stored) == stored["audience"]
    assert len(stored["audience"]) == 10 and any(s["people"] > 1 for s in stored["audience"])


def test_an_old_result_gets_the_same_audience_from_its_frames(stored: dict[str, Any]) -> None:
    old = copy.deepcopy(stored)
    del old["audience"]
    rebuilt = audience_of(old)
    # the same spans; means within the rounding of the stored faces' probabilities
    assert [_counts(s) for s in rebuilt] == [_counts(s) for s in stored["audience"]]
    for ours, recorded in zip(rebuilt, stored["audience"], strict=True):
        for key in ("emotions", "shares"):
            assert (ours[key] is None) == (recorded[key] is None)
            assert ours[key] == (recorded[key] and pytest.approx(recorded[key], abs=1e-4))


def _counts(span: dict[str, Any]) -> tuple[Any, ...]:
    keys = ("start", "end", "frames", "faces", "people", "main", "alternative")
    return tuple(span[key] for key in keys)


@pytest.mark.parametrize(
    ("result", "why"),
    [
        ({"media": {"kind": "image"}, "faces": []}, "a photo has none"),
        ({"frames": [{"index": 0, "faces": []}]}, "a frame without its time"),
        ({"frames": [{"index": 0, "t": 0.0, "faces": [{"box": [1, 2, 3]}]}]}, "a broken face"),
        ({"frames": []}, "no frame"),
    ],
)
def test_nothing_to_rebuild_from_gives_none(result: dict[str, Any], why: str) -> None:
    assert audience_of(result) == [], why
