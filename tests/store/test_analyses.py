"""Analyses and faces in the database: lifecycle, fencing, listing, deleting (both backends)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from emokognition.errors import NotFound
from emokognition.store import (
    STATUSES,
    Database,
    JobError,
    claim_analysis,
    create_analysis,
    delete_analysis,
    fail_analysis,
    finish_analysis,
    get_analysis,
    list_analyses,
    list_faces,
    read_monitoring,
    record_source_post,
    renew_lease,
    report_progress,
    resumable_analyses,
    utcnow,
)
from emokognition.store.models import FaceRow, SourcePostRow
from tests.store.factories import face, image_result, recorded, video_result


def _faces(database: Database, analysis_id: str) -> list[FaceRow]:
    with database.session() as session:
        rows = session.scalars(
            select(FaceRow)
            .where(FaceRow.analysis_id == analysis_id)
            .order_by(FaceRow.frame_index, FaceRow.position)
        )
        return list(rows)


def test_lifecycle_queued_running_done(database: Database) -> None:
    with database.session() as session:
        created = create_analysis(session=session, source="upload", kind="image")
    assert created.status == "queued" and created.attempts == 0 and len(created.id) == 32
    with database.session() as session:
        job = claim_analysis(session=session, analysis_id=created.id, lease=30, max_attempts=3)
    assert job is not None and job.status == "running" and job.attempts == 1
    assert job.started_at is not None and job.lease_until is not None
    result = image_result([face("happy", "surprised"), face("sad", "neutral")])
    with database.session() as session:
        assert finish_analysis(session=session, analysis_id=job.id, attempt=1, result=result)
        done = get_analysis(session=session, analysis_id=job.id)
    assert done.status == "done" and done.faces == 2 and done.result == result
    assert done.finished_at is not None and done.finished_at >= done.created_at
    rows = _faces(database, job.id)
    assert [(r.main, r.alternative, r.frame_index, r.track) for r in rows] == [
        ("happy", "surprised", None, None),
        ("sad", "neutral", None, None),
    ]
    assert rows[0].happy == pytest.approx(0.7) and (rows[0].x, rows[0].w) == (10, 30)


def test_a_claimed_job_is_not_claimed_again(database: Database) -> None:
    with database.session() as session:
        created = create_analysis(session=session, source="upload")

    def claim() -> int | None:
        with database.session() as session:
            job = claim_analysis(session=session, analysis_id=created.id, lease=30, max_attempts=3)
        return None if job is None else job.attempts

    with ThreadPoolExecutor(8) as pool:
        claims = list(pool.map(lambda _: claim(), range(8)))
    assert sorted(claims, key=lambda c: c or 0) == [None] * 7 + [1]


def test_a_lost_lease_is_taken_over_and_fences_the_old_attempt(database: Database) -> None:
    with database.session() as session:
        created = create_analysis(session=session, source="upload")
        first = claim_analysis(session=session, analysis_id=created.id, lease=30, max_attempts=3)
    assert first is not None
    later = utcnow() + timedelta(seconds=31)
    with database.session() as session:
        second = claim_analysis(
            session=session, analysis_id=created.id, lease=30, max_attempts=3, now=later
        )
    assert second is not None and second.attempts == 2
    result = image_result([face("happy", "neutral")])
    with database.session() as session:
        assert not renew_lease(session=session, analysis_id=created.id, attempt=1, lease=30)
        assert not finish_analysis(
            session=session, analysis_id=created.id, attempt=1, result=result
        )
        assert finish_analysis(session=session, analysis_id=created.id, attempt=2, result=result)
    assert len(_faces(database, created.id)) == 1


def test_after_the_attempt_limit_a_lost_job_fails_with_the_reason(database: Database) -> None:
    with database.session() as session:
        created = create_analysis(session=session, source="upload")
    now = utcnow()
    for attempt in (1, 2):
        with database.session() as session:
            job = claim_analysis(
                session=session, analysis_id=created.id, lease=10, max_attempts=2, now=now
            )
        assert job is not None and job.attempts == attempt
        now += timedelta(seconds=11)
    with database.session() as session:
        assert (
            claim_analysis(
                session=session, analysis_id=created.id, lease=10, max_attempts=2, now=now
            )
            is None
        )
        failed = get_analysis(session=session, analysis_id=created.id)
    assert failed.status == "failed" and failed.error is not None
    assert failed.error.code == "worker_lost" and "lost 2 times" in failed.error.message


def test_resumable_are_queued_or_lost(database: Database) -> None:
    with database.session() as session:
        queued = create_analysis(session=session, source="upload")
        running = create_analysis(session=session, source="upload")
        lost = create_analysis(session=session, source="upload")
        claim_analysis(session=session, analysis_id=running.id, lease=60, max_attempts=3)
        claim_analysis(
            session=session,
            analysis_id=lost.id,
            lease=1,
            max_attempts=3,
            now=utcnow() - timedelta(seconds=5),
        )
        ids = resumable_analyses(session=session, limit=10)
        analyses = read_monitoring(session=session).analyses
    assert set(ids) == {queued.id, lost.id}
    counts = {
        status: sum(n for (_, s), n in analyses.items() if s == status) for status in STATUSES
    }
    assert counts == {"queued": 1, "running": 2, "done": 0, "failed": 0}


def test_fail_records_the_error(database: Database) -> None:
    with database.session() as session:
        created = create_analysis(session=session, source="upload")
        claim_analysis(session=session, analysis_id=created.id, lease=30, max_attempts=3)
        error = JobError(code="corrupt_media", message="cannot decode jpeg image")
        assert fail_analysis(session=session, analysis_id=created.id, attempt=1, error=error)
        failed = get_analysis(session=session, analysis_id=created.id)
    assert failed.status == "failed" and failed.error == error and failed.result is None


def test_video_faces_are_one_row_per_face_per_frame(database: Database) -> None:
    result = video_result(
        [
            [face("happy", "neutral", track=1)],
            [face("happy", "neutral", track=1), face("sad", "angry", track=2)],
            [],
        ]
    )
    analysis = recorded(database, result)
    rows = _faces(database, analysis.id)
    assert [(r.frame_index, r.t, r.track, r.main) for r in rows] == [
        (0, 0.0, 1, "happy"),
        (6, pytest.approx(0.2), 1, "happy"),
        (6, pytest.approx(0.2), 2, "sad"),
    ]
    with database.session() as session:
        assert get_analysis(session=session, analysis_id=analysis.id).faces == 3


def test_list_is_newest_first_paged_and_filtered(database: Database) -> None:
    start = utcnow() - timedelta(hours=1)
    ids = []
    for i in range(5):
        with database.session() as session:
            ids.append(
                create_analysis(
                    session=session,
                    source="twitter" if i % 2 else "upload",
                    now=start + timedelta(minutes=i),
                ).id
            )
    with database.session() as session:
        first = list_analyses(session=session, limit=2)
        rest = list_analyses(session=session, limit=10, offset=2)
        twitter = list_analyses(session=session, source="twitter")
        queued = list_analyses(session=session, status="done")
    assert [a.id for a in first.items + rest.items] == ids[::-1]
    assert first.total == 5 and first.items[0].result is None
    assert [a.id for a in twitter.items] == [ids[3], ids[1]]
    assert queued.total == 0 and queued.items == ()


def test_list_filters_by_kind(database: Database) -> None:
    photo = recorded(database, image_result([face("happy", "neutral")]))
    video = recorded(database, video_result([[face("sad", "angry", track=1)]]))
    with database.session() as session:
        unknown = create_analysis(session=session, source="url")  # not downloaded yet
        videos = list_analyses(session=session, kind="video")
        images = list_analyses(session=session, kind="image")
        both = list_analyses(session=session)
    assert [a.id for a in videos.items] == [video.id] and videos.total == 1
    assert [a.id for a in images.items] == [photo.id]
    assert both.total == 3 and unknown.id in {a.id for a in both.items}


def test_faces_read_back_in_chunks_in_recorded_order(database: Database) -> None:
    frames = [[face("happy", "neutral", track=1), face("sad", "angry")] for _ in range(5)]
    analysis = recorded(database, video_result(frames))
    recorded(database, image_result([face("angry", "sad")]))  # another analysis's face
    chunks, after = [], 0
    while True:
        with database.session() as session:
            chunk = list_faces(session=session, analysis_id=analysis.id, after=after, limit=3)
        if not chunk:
            break
        chunks.append(chunk)
        after = chunk[-1].id
    assert [len(chunk) for chunk in chunks] == [3, 3, 3, 1]
    faces = [f for chunk in chunks for f in chunk]
    assert [(f.frame, f.track, f.main) for f in faces[:3]] == [
        (0, 1, "happy"),
        (0, None, "sad"),
        (6, 1, "happy"),
    ]
    assert faces[0].t == 0.0 and faces[2].t == pytest.approx(0.2)
    assert faces[0].box == (10, 20, 30, 40) and faces[0].emotions["happy"] == 0.7


def test_progress_is_the_running_attempts_and_starts_over_on_takeover(
    database: Database,
) -> None:
    with database.session() as session:
        analysis = create_analysis(session=session, source="upload", kind="video")
        assert get_analysis(session=session, analysis_id=analysis.id).progress is None
        first = claim_analysis(session=session, analysis_id=analysis.id, lease=0, max_attempts=3)
        assert first is not None
        assert report_progress(
            session=session, analysis_id=analysis.id, attempt=first.attempts, done=40, total=300
        )
        progress = get_analysis(session=session, analysis_id=analysis.id).progress
        assert progress is not None and progress.to_dict() == {"done": 40, "total": 300}
        listed = list_analyses(session=session).items[0].progress  # lists carry it too
        assert listed == progress
    with database.session() as session:  # the lease ran out: another worker takes over
        second = claim_analysis(session=session, analysis_id=analysis.id, lease=60, max_attempts=3)
        assert second is not None
        assert get_analysis(session=session, analysis_id=analysis.id).progress is None
        # the lost worker's reports are fenced off
        assert not report_progress(
            session=session, analysis_id=analysis.id, attempt=first.attempts, done=80, total=300
        )
        assert get_analysis(session=session, analysis_id=analysis.id).progress is None


def test_delete_removes_faces_and_posts(database: Database) -> None:
    keep = recorded(database, image_result([face("happy", "neutral")]))
    gone = recorded(database, image_result([face("sad", "angry"), face("angry", "sad")]))
    with database.session() as session:
        record_source_post(
            session=session, source="mastodon", post_id="9", media_key="m", analysis_id=gone.id
        )
        deleted = delete_analysis(session=session, analysis_id=gone.id)
    assert deleted.id == gone.id
    with database.session() as session:
        with pytest.raises(NotFound):
            get_analysis(session=session, analysis_id=gone.id)
        with pytest.raises(NotFound):
            delete_analysis(session=session, analysis_id=gone.id)
        faces = session.scalar(select(func.count()).select_from(FaceRow))
        posts = session.scalar(select(func.count()).select_from(SourcePostRow))
    assert faces == 1 and posts == 0
    assert len(_faces(database, keep.id)) == 1


@pytest.mark.parametrize("analysis_id", ["nope", "0" * 32, "Z" * 32, ""])
def test_unknown_ids_are_not_found(database: Database, analysis_id: str) -> None:
    with database.session() as session, pytest.raises(NotFound):
        get_analysis(session=session, analysis_id=analysis_id)
