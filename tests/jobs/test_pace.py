"""The measured pace of jobs, and the drain time a full pool's Retry-After says."""

from __future__ import annotations

import pytest

from emokognition.jobs.pace import JobPace


@pytest.mark.parametrize(
    ("measured", "jobs", "workers", "expected"),
    [
        ((), 9, 1, 9),  # nothing finished yet: the first guess, 1 s a job
        ((0.05, 0.05, 0.05), 34, 2, 1),  # the case: drains in under a second
        ((4.0, 4.0, 4.0), 9, 2, 18),  # slow jobs: longer than one second a job
        ((0.2, 0.4), 10, 2, 2),  # mean 0.3 s: 10 jobs on 2 workers take 1.5 s
        ((0.0,), 5, 1, 1),  # never 0: "Retry-After: 0" asks for a hammering
    ],
)
def test_drain_seconds(measured: tuple[float, ...], jobs: int, workers: int, expected: int) -> None:
    pace = JobPace()
    for seconds in measured:
        pace.record(seconds)
    assert pace.drain_seconds(jobs, workers) == expected


def test_the_pace_follows_the_recent_jobs() -> None:
    pace = JobPace(window=4)
    for seconds in (10.0, 10.0, 10.0, 10.0, 1.0, 1.0, 1.0, 1.0):
        pace.record(seconds)
    assert pace.seconds_per_job() == 1.0
