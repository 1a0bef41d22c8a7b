"""`run_analysis`: one job from claim to recorded outcome, on real photos (both backends)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from emokognition.emotions import EMOTIONS
from emokognition.jobs import JobContext, run_analysis
from emokognition.store import claim_analysis, create_analysis, get_analysis, upgrade
from emokognition.store.models import FaceRow
from tests.conftest import MediaServer, SettingsFactory, wait_until


@pytest.fixture
def context(make_settings: SettingsFactory) -> Iterator[JobContext]:
    context = JobContext.create(make_settings(allow_private_urls=True))
    upgrade(context.database)
    yield context
    context.database.dispose()


def _upload(context: JobContext, data: bytes, detector: str | None = None) -> str:
    sha256 = context.media.put(data)
    with context.database.session() as session:
        return create_analysis(
            session=session,
            source="upload",
            kind="image",
            media_sha256=sha256,
            detector=detector,
        ).id


def _url(context: JobContext, url: str) -> str:
    with context.database.session() as session:
        return create_analysis(session=session, source="url", url=url).id


def test_a_photo_is_analysed_and_its_faces_recorded(
    context: JobContext, group_photo: bytes
) -> None:
    analysis_id = _upload(context, group_photo)
    outcome = run_analysis(analysis_id, context)
    assert outcome.status == "done" and outcome.faces >= 5
    with context.database.session() as session:
        analysis = get_analysis(session=session, analysis_id=analysis_id)
        rows = session.scalar(
            select(func.count()).select_from(FaceRow).where(FaceRow.analysis_id == analysis_id)
        )
    result = analysis.result
    assert analysis.status == "done" and result is not None and analysis.attempts == 1
    assert result["media"]["kind"] == "image" and result["media"]["width"] == 500
    assert result["model"]["detector"] == "blazeface"
    assert rows == analysis.faces == len(result["faces"]) == result["summary"]["faces"]
    for face in result["faces"]:
        assert tuple(face["emotions"]) == EMOTIONS
        assert face["main"] != face["alternative"]


def test_the_detector_asked_for_is_used(context: JobContext, photo: bytes) -> None:
    analysis_id = _upload(context, photo, detector="haar")
    assert run_analysis(analysis_id, context).status == "done"
    with context.database.session() as session:
        result = get_analysis(session=session, analysis_id=analysis_id).result
    assert result is not None and result["model"]["detector"] == "haar"


def test_a_corrupt_photo_fails_with_the_reason(context: JobContext, photo: bytes) -> None:
    analysis_id = _upload(context, photo[:300])
    assert run_analysis(analysis_id, context).status == "failed"
    with context.database.session() as session:
        analysis = get_analysis(session=session, analysis_id=analysis_id)
    assert analysis.error is not None and analysis.error.code == "corrupt_media"
    assert analysis.result is None and analysis.finished_at is not None


def test_a_url_is_downloaded_stored_and_analysed(
    context: JobContext, media_server: MediaServer, photo: bytes
) -> None:
    analysis_id = _url(context, media_server.url("/redirect?to=/photo.jpg"))
    assert run_analysis(analysis_id, context).status == "done"
    with context.database.session() as session:
        analysis = get_analysis(session=session, analysis_id=analysis_id)
    assert analysis.kind == "image" and analysis.media_format == "jpeg"
    assert analysis.media_sha256 is not None and context.media.read(analysis.media_sha256) == photo
    assert media_server.hits["/photo.jpg"] == 1


@pytest.mark.parametrize(
    ("path", "code"),
    [("/text.txt", "unsupported_format"), ("/missing.jpg", "download_failed")],
)
def test_bad_urls_fail_with_the_reason(
    context: JobContext, media_server: MediaServer, path: str, code: str
) -> None:
    analysis_id = _url(context, media_server.url(path))
    assert run_analysis(analysis_id, context).status == "failed"
    with context.database.session() as session:
        error = get_analysis(session=session, analysis_id=analysis_id).error
    assert error is not None and error.code == code


def test_private_addresses_are_refused_in_the_job_too(
    make_settings: SettingsFactory, media_server: MediaServer
) -> None:
    context = JobContext.create(make_settings(allow_private_urls=False))
    upgrade(context.database)
    analysis_id = _url(context, media_server.url("/photo.jpg"))
    assert run_analysis(analysis_id, context).status == "failed"
    with context.database.session() as session:
        error = get_analysis(session=session, analysis_id=analysis_id).error
    context.database.dispose()
    assert error is not None and error.code == "forbidden_url"
    assert media_server.hits["/photo.jpg"] == 0


def test_a_finished_job_is_skipped_and_a_held_one_is_busy(
    context: JobContext, photo: bytes
) -> None:
    done = _upload(context, photo)
    assert run_analysis(done, context).status == "done"
    assert run_analysis(done, context).status == "skipped"
    held = _upload(context, photo)
    with context.database.session() as session:
        claim_analysis(session=session, analysis_id=held, lease=30, max_attempts=3)
    outcome = run_analysis(held, context)
    assert outcome.status == "busy" and 25 < outcome.retry_in < 31
    assert run_analysis("f" * 32, context).status == "skipped"


def test_a_job_longer_than_its_lease_keeps_it(
    make_settings: SettingsFactory, media_server: MediaServer
) -> None:
    """The lease is renewed while the job runs: another worker finds it busy, not lost."""
    context = JobContext.create(make_settings(allow_private_urls=True, job_lease=1.0))
    upgrade(context.database)
    analysis_id = _url(context, media_server.url("/stall/lease.jpg"))
    try:
        with ThreadPoolExecutor(1) as pool:
            running = pool.submit(run_analysis, analysis_id, context)
            wait_until(
                lambda: media_server.stalled["/stall/lease.jpg"] == 1, timeout=10, what="job"
            )
            time.sleep(2.5)  # two and a half leases
            assert run_analysis(analysis_id, context).status == "busy"
            media_server.release()
            assert running.result(timeout=30).status == "done"
    finally:
        media_server.release()
        context.database.dispose()
