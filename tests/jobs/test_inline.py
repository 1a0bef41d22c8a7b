"""Inline jobs: a bounded pool, and jobs that a stopped process had accepted are finished."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from emokognition.errors import QueueFull
from emokognition.jobs import InlineRunner, JobContext
from emokognition.store import (
    claim_analysis,
    create_analysis,
    get_analysis,
    upgrade,
    utcnow,
)
from tests.conftest import MediaServer, SettingsFactory, wait_until


@pytest.fixture
def context(make_settings: SettingsFactory) -> Iterator[JobContext]:
    settings = make_settings(
        allow_private_urls=True, inline_workers=1, inline_queue=1, job_lease=1.5
    )
    context = JobContext.create(settings)
    upgrade(context.database)
    yield context
    context.database.dispose()


def _queue_url(context: JobContext, url: str) -> str:
    with context.database.session() as session:
        return create_analysis(session=session, source="url", url=url).id


def _status(context: JobContext, analysis_id: str) -> str:
    with context.database.session() as session:
        return get_analysis(session=session, analysis_id=analysis_id).status


def test_a_full_pool_refuses_with_retry_after(
    context: JobContext, media_server: MediaServer
) -> None:
    runner = InlineRunner(context)
    runner.start()
    try:
        first = _queue_url(context, media_server.url("/stall/1.jpg"))
        second = _queue_url(context, media_server.url("/stall/2.jpg"))
        runner.submit(first)
        runner.submit(second)
        with pytest.raises(QueueFull) as refused:
            runner.submit(_queue_url(context, media_server.url("/stall/3.jpg")))
        assert refused.value.retry_after >= 1 and refused.value.status == 503
        wait_until(lambda: media_server.stalled["/stall/1.jpg"] == 1, timeout=10, what="job 1")
        assert runner.queue_depth() == 1
        media_server.release()
        runner.wait(first, 30)
        runner.wait(second, 30)
        assert _status(context, first) == _status(context, second) == "done"
    finally:
        media_server.release()
        runner.close()


def test_a_new_runner_finishes_what_a_stopped_one_accepted(
    context: JobContext, media_server: MediaServer
) -> None:
    old = InlineRunner(context)
    old.start()
    ids = [_queue_url(context, media_server.url(f"/stall/{i}.jpg")) for i in range(2)]
    for analysis_id in ids:
        old.submit(analysis_id)
    wait_until(lambda: _status(context, ids[0]) == "running", timeout=10, what="job 0 running")
    # A job that a crashed process was running: its lease ran out long ago.
    with context.database.session() as session:
        lost = create_analysis(session=session, source="url", url=media_server.url("/photo.jpg"))
        claim_analysis(
            session=session,
            analysis_id=lost.id,
            lease=1,
            max_attempts=3,
            now=utcnow() - timedelta(minutes=5),
        )
    media_server.release()
    old.close()  # finishes the running job; the waiting one stays queued
    assert _status(context, ids[0]) == "done"
    assert _status(context, ids[1]) == "queued"
    new = InlineRunner(context)
    new.start()
    try:
        for analysis_id in (ids[1], lost.id):
            _wait_done(context, analysis_id)
        with context.database.session() as session:
            assert get_analysis(session=session, analysis_id=lost.id).attempts == 2
    finally:
        new.close()


def _wait_done(context: JobContext, analysis_id: str) -> None:
    wait_until(
        lambda: _status(context, analysis_id) == "done", timeout=30, what=f"{analysis_id} done"
    )
