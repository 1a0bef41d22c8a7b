"""Which frames are analysed: every N-th, F per second on the stream's own clock, or all."""

from __future__ import annotations

import numpy as np
import pytest

from emokognition.video.sampling import Sampling


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, Sampling(fps=5.0)),
        ({"fps": 2.0}, Sampling(fps=2.0)),
        ({"every": 3}, Sampling(every=3)),
        ({"all_frames": True}, Sampling(every=1)),
    ],
)
def test_choose(kwargs: dict[str, object], expected: Sampling) -> None:
    assert Sampling.choose(**kwargs) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs",
    [{"fps": 1.0, "every": 2}, {"every": 2, "all_frames": True}, {"every": 0}, {"fps": -1.0}],
)
def test_choose_refuses(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Sampling.choose(**kwargs)  # type: ignore[arg-type]


def test_every() -> None:
    mask = Sampling(every=3).select(np.arange(10) / 30.0)
    assert np.flatnonzero(mask).tolist() == [0, 3, 6, 9]


def test_fps_on_a_constant_rate() -> None:
    mask = Sampling(fps=5).select(np.arange(31) / 30.0)
    assert np.flatnonzero(mask).tolist() == [0, 6, 12, 18, 24, 30]


def test_fps_on_a_variable_rate() -> None:
    """The first frame of each 0.5 s slot, however irregular the frames."""
    times = np.array([0.0, 0.05, 0.3, 0.32, 0.5, 0.9, 1.0, 1.01, 1.8, 2.6])
    mask = Sampling(fps=2).select(times)
    assert times[mask].tolist() == [0.0, 0.5, 1.0, 1.8, 2.6]


def test_fps_above_the_frame_rate_takes_every_frame() -> None:
    assert Sampling(fps=100).select(np.arange(10) / 25.0).all()


def test_contract() -> None:
    assert Sampling(every=6).to_dict() == {"every": 6}
    assert Sampling(fps=5.0).to_dict() == {"fps": 5.0}
    assert Sampling(every=1).select(np.zeros(0)).shape == (0,)
