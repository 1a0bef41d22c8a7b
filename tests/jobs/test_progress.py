"""A video job's progress: written every few seconds (a clock the test turns), always first
and last, fenced to the running attempt; a real video job ends with all its frames done."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from emokognition.jobs import JobContext, run_analysis
from emokognition.jobs.progress import ProgressReport
from emokognition.store import Analysis, claim_analysis, create_analysis, get_analysis, upgrade
from tests.conftest import SettingsFactory


@pytest.fixture
def context(make_settings: SettingsFactory) -> Iterator[JobContext]:
    context = JobContext.create(make_settings())
    upgrade(context.database)
    yield context
    context.database.dispose()


class Clock:
    """Seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _running(context: JobContext, *, lease: float = 600) -> Analysis:
    with context.database.session() as session:
        queued = create_analysis(session=session, source="upload", kind="video")
        job = claim_analysis(session=session, analysis_id=queued.id, lease=lease, max_attempts=3)
    assert job is not None
    return job


def _shown(context: JobContext, analysis_id: str) -> tuple[int, int] | None:
    with context.database.session() as session:
        progress = get_analysis(session=session, analysis_id=analysis_id).progress
    return None if progress is None else (progress.done, progress.total)


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        # (seconds, done) each; total 300. The first report is written at once.
        ([(0.0, 1)], (1, 300)),
        # within the interval: the earlier count stays
        ([(0.0, 1), (1.0, 30), (1.9, 57)], (1, 300)),
        # past it: the latest is written
        ([(0.0, 1), (1.0, 30), (2.0, 60)], (60, 300)),
        # the last frame is always written, however soon
        ([(0.0, 1), (0.1, 300)], (300, 300)),
    ],
)
def test_progress_is_written_every_interval_and_at_the_end(
    context: JobContext, steps: list[tuple[float, int]], expected: tuple[int, int]
) -> None:
    job = _running(context)
    clock = Clock()
    report = ProgressReport(context, job, every=2.0, clock=clock)
    for seconds, done in steps:
        clock.now = seconds
        report(done, 300)
    assert _shown(context, job.id) == expected


def test_a_taken_over_job_reports_nothing(context: JobContext) -> None:
    lost = _running(context, lease=0)
    with context.database.session() as session:
        taken = claim_analysis(session=session, analysis_id=lost.id, lease=600, max_attempts=3)
    assert taken is not None
    ProgressReport(context, lost)(10, 100)  # the lost worker, still decoding
    assert _shown(context, lost.id) is None
    ProgressReport(context, taken)(20, 100)
    assert _shown(context, lost.id) == (20, 100)


def test_a_video_job_ends_with_every_frame_done(context: JobContext, video: bytes) -> None:
    sha256 = context.media.put(video)
    with context.database.session() as session:
        analysis_id = create_analysis(
            session=session, source="upload", kind="video", media_sha256=sha256, media_format="mp4"
        ).id
    assert run_analysis(analysis_id, context).status == "done"
    with context.database.session() as session:
        done = get_analysis(session=session, analysis_id=analysis_id)
    assert done.result is not None and done.progress is not None
    frames = done.result["media"]["frames"]
    assert frames > 100 and done.progress.to_dict() == {"done": frames, "total": frames}
