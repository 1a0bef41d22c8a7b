"""Live streams in the database: the bound on how many run, claim and fencing, windows
recorded once with their faces and people, stop, resume (both backends)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from emokognition.errors import NotFound, TooManyStreams
from emokognition.store import (
    Database,
    Stream,
    StreamRequest,
    WindowRecord,
    claim_stream,
    count_active_streams,
    create_stream,
    delete_analysis,
    finish_stream,
    get_analysis,
    get_stats,
    get_stream,
    list_streams,
    list_windows,
    mark_streams_for_resend,
    read_monitoring,
    record_window,
    release_stream,
    renew_stream,
    request_stop,
    resumable_analyses,
    resumable_streams,
    set_stream_status,
    stream_verdict,
    utcnow,
    windows_after,
)
from emokognition.store.job_state import mark_for_resend
from emokognition.store.models import FaceRow, PersonRow, StreamWindowRow
from tests.store.factories import face

MODEL = {"detector": "blazeface", "classifier": "emonet32-fer2013"}


def _request(source: str = "lecture", max_seconds: float = 600.0) -> StreamRequest:
    return StreamRequest(
        source=source,
        url="https://example.org/live/index.m3u8?token=secret",
        kind="hls",
        fps=5.0,
        window=5.0,
        max_seconds=max_seconds,
    )


def _create(database: Database, *, limit: int = 10, **kwargs: Any) -> Stream:
    with database.session() as session:
        return create_stream(session=session, request=_request(**kwargs), limit=limit)


def _claim(database: Database, stream_id: str, *, lease: float = 30.0) -> Stream | None:
    with database.session() as session:
        return claim_stream(session=session, stream_id=stream_id, lease=lease, max_attempts=3)


def _window(
    start: float, tracks: list[tuple[int, str, str, int]], *, first_frame: int = 0
) -> WindowRecord:
    """A 5 s window; each (track, main, alternative, frames) is on screen in that many
    frames (untracked when the track is 0)."""
    count = max((n for *_, n in tracks), default=0)
    frames = []
    for k in range(count):
        faces = [
            face(main, alternative, track=track or None)
            for track, main, alternative, n in tracks
            if k < n
        ]
        frames.append({"index": first_frame + k, "t": start + 0.2 * k, "faces": faces})
    people = len(tracks)
    audience = {"frames": count, "faces": sum(n for *_, n in tracks), "people": people}
    return WindowRecord(
        start=start,
        end=start + 5.0,
        audience={**audience, "main": tracks[0][1] if tracks else None},
        result={"model": MODEL, "frames": frames},
        skipped=1,
        latency=5.2,
        next_frame=first_frame + count,
    )


def _record(database: Database, stream: Stream, window: WindowRecord) -> str:
    with database.session() as session:
        return record_window(
            session=session, stream_id=stream.id, attempt=stream.attempts, window=window
        )


def _count(database: Database, table: type[FaceRow] | type[PersonRow], stream_id: str) -> int:
    with database.session() as session:
        query = select(func.count()).where(table.analysis_id == stream_id)
        return session.scalar(query) or 0


def test_created_stream_is_starting_with_an_analysis_the_analyses_sweepers_never_take(
    database: Database,
) -> None:
    stream = _create(database)
    assert stream.status == "starting" and stream.attempts == 0 and stream.active
    with database.session() as session:
        analysis = get_analysis(session=session, analysis_id=stream.id)
        assert analysis.kind == "stream" and analysis.status == "running"
        assert stream.id not in resumable_analyses(session=session, limit=10)
        later = utcnow() + timedelta(hours=1)
        assert stream.id not in mark_for_resend(session=session, after=1, limit=10, now=later)
        assert resumable_streams(session=session, limit=10) == [stream.id]
        assert count_active_streams(session=session) == 1
        assert read_monitoring(session=session).live_streams == 1


def test_the_bound_refuses_one_more_with_a_retry_after(database: Database) -> None:
    first = _create(database, limit=2, max_seconds=30.0)
    _create(database, limit=2)
    with pytest.raises(TooManyStreams, match="EMOKOGNITION_MAX_STREAMS") as refused:
        _create(database, limit=2)
    assert refused.value.status == 503 and 1 <= refused.value.retry_after <= 30
    with database.session() as session:
        assert count_active_streams(session=session) == 2
        assert list_streams(session=session).total == 2  # the refused one left nothing
    claimed = _claim(database, first.id)
    assert claimed is not None
    with database.session() as session:
        finish_stream(
            session=session,
            stream_id=first.id,
            attempt=claimed.attempts,
            status="ended",
            reason="ended",
        )
    assert _create(database, limit=2).status == "starting"  # room again


def test_concurrent_creations_never_pass_the_bound(database: Database) -> None:
    def create(_: int) -> bool:
        try:
            _create(database, limit=3)
        except TooManyStreams:
            return False
        return True

    with ThreadPoolExecutor(8) as pool:
        admitted = list(pool.map(create, range(16)))
    assert sum(admitted) == 3
    with database.session() as session:
        assert count_active_streams(session=session) == 3


def test_one_claim_wins_and_a_lost_lease_is_taken_over_with_fencing(database: Database) -> None:
    stream = _create(database)
    with ThreadPoolExecutor(6) as pool:
        claims = list(pool.map(lambda _: _claim(database, stream.id), range(6)))
    winners = [c for c in claims if c is not None]
    assert len(winners) == 1 and winners[0].attempts == 1
    first = winners[0]
    assert _claim(database, stream.id) is None  # its lease holds
    assert _record(database, first, _window(0.0, [(1, "happy", "neutral", 5)])) == "run"
    # The lease runs out: another worker takes it; the first one can no longer write.
    with database.session() as session:
        assert renew_stream(session=session, stream_id=stream.id, attempt=1, lease=-1.0) == "run"
    second = _claim(database, stream.id)
    assert second is not None and second.attempts == 2 and second.windows == 1
    assert _record(database, first, _window(5.0, [(1, "sad", "neutral", 5)])) == "gone"
    with database.session() as session:
        assert stream_verdict(session=session, stream_id=stream.id, attempt=1) == "gone"
        assert not set_stream_status(
            session=session, stream_id=stream.id, attempt=1, status="reconnecting"
        )
        assert not finish_stream(
            session=session, stream_id=stream.id, attempt=1, status="ended", reason="ended"
        )
    assert _record(database, second, _window(5.0, [(2, "sad", "neutral", 5)])) == "run"
    with database.session() as session:
        windows = list_windows(session=session, stream_id=stream.id).items
    assert [w.index for w in windows] == [0, 1] and windows[1].data["tracks"][0]["id"] == 2


def test_a_window_is_recorded_once_with_faces_and_each_track_once(database: Database) -> None:
    stream = _claim(database, _create(database).id)
    assert stream is not None
    window = _window(
        0.0, [(1, "happy", "neutral", 5), (2, "sad", "angry", 3), (0, "angry", "sad", 1)]
    )
    assert _record(database, stream, window) == "run"
    assert _record(database, stream, _window(5.0, [(1, "happy", "neutral", 4)])) == "run"
    assert _count(database, FaceRow, stream.id) == 5 + 3 + 1 + 4
    assert _count(database, PersonRow, stream.id) == 3 + 1  # per window: tracks 1, 2, one face
    with database.session() as session:
        recorded = get_stream(session=session, stream_id=stream.id)
        stats = get_stats(session=session, source="lecture")
        first, second = list_windows(session=session, stream_id=stream.id).items
        analysis = get_analysis(session=session, analysis_id=stream.id)
        times = sorted(
            t or 0.0 for t in session.scalars(select(FaceRow.t).where(FaceRow.track == 2))
        )
    assert recorded.windows == 2 and recorded.faces == 13 and recorded.people == 4
    assert recorded.tracks == 2 and recorded.seconds == 10.0 and recorded.skipped == 2
    assert recorded.next_frame == 5 and recorded.frames == 9
    assert stats.faces == 4 and stats.main["happy"] == 2 and stats.main["sad"] == 1
    assert analysis.faces == 13
    assert first.data["people"] == 3 and first.data["faces"] == 9
    assert [t["id"] for t in first.data["tracks"]] == [1, 2]
    assert first.data["tracks"][1] == {"id": 2, "main": "sad", "alternative": "angry", "frames": 3}
    assert second.start == 5.0 and second.end == 10.0 and second.data["latency"] == 5.2
    assert times == pytest.approx([0.0, 0.2, 0.4])


def test_windows_page_from_the_newest_and_after_an_index(database: Database) -> None:
    stream = _claim(database, _create(database).id)
    assert stream is not None
    for n in range(7):
        _record(database, stream, _window(5.0 * n, [(1, "happy", "neutral", 1)]))
    with database.session() as session:
        latest = list_windows(session=session, stream_id=stream.id, limit=3)
        older = list_windows(session=session, stream_id=stream.id, limit=3, offset=3)
        after = windows_after(session=session, stream_id=stream.id, after=4)
    assert [w.index for w in latest.items] == [4, 5, 6] and latest.total == 7
    assert [w.index for w in older.items] == [1, 2, 3]
    assert [w.index for w in after] == [5, 6]
    assert after[0].to_dict()["index"] == 5 and "at" in after[0].to_dict()


def test_stop_of_a_running_stream_is_a_flag_its_worker_reads(database: Database) -> None:
    stream = _claim(database, _create(database).id)
    assert stream is not None
    with database.session() as session:
        asked = request_stop(session=session, stream_id=stream.id)
    assert asked.status == "starting" and asked.stop_requested
    with database.session() as session:
        assert stream_verdict(session=session, stream_id=stream.id, attempt=1) == "stop"
        assert renew_stream(session=session, stream_id=stream.id, attempt=1, lease=30) == "stop"
    assert _record(database, stream, _window(0.0, [(1, "happy", "neutral", 2)])) == "stop"
    with database.session() as session:
        assert finish_stream(
            session=session, stream_id=stream.id, attempt=1, status="stopped", reason="stopped"
        )
        ended = get_stream(session=session, stream_id=stream.id)
        analysis = get_analysis(session=session, analysis_id=stream.id)
    assert ended.status == "stopped" and ended.finished_at is not None and not ended.active
    assert analysis.status == "done" and analysis.faces == 2


def test_stop_of_a_stream_nobody_runs_stops_it_at_once(database: Database) -> None:
    stream = _create(database)
    with database.session() as session:
        stopped = request_stop(session=session, stream_id=stream.id)
        assert resumable_streams(session=session, limit=10) == []
    assert stopped.status == "stopped" and stopped.end_reason == "stopped"
    with database.session() as session, pytest.raises(NotFound):
        request_stop(session=session, stream_id="0" * 32)


def test_a_stream_given_back_is_resumed_without_counting_as_lost(database: Database) -> None:
    stream = _claim(database, _create(database).id)
    assert stream is not None
    with database.session() as session:
        assert release_stream(session=session, stream_id=stream.id, attempt=1)
        assert resumable_streams(session=session, limit=10) == [stream.id]
    for attempt in (2, 3, 4):  # given back every time: never failed for it
        again = _claim(database, stream.id)
        assert again is not None and again.attempts == attempt
        with database.session() as session:
            release_stream(session=session, stream_id=stream.id, attempt=attempt)


def test_a_stream_lost_too_often_fails_as_worker_lost(database: Database) -> None:
    stream = _create(database)
    for attempt in (1, 2, 3):
        claimed = _claim(database, stream.id, lease=-1.0)  # its worker dies at once
        assert claimed is not None and claimed.attempts == attempt
    assert _claim(database, stream.id) is None
    with database.session() as session:
        failed = get_stream(session=session, stream_id=stream.id)
        analysis = get_analysis(session=session, analysis_id=stream.id)
    assert failed.status == "failed" and failed.error is not None
    assert failed.error.code == "worker_lost" and analysis.status == "failed"


def test_sweepers_send_a_stream_nobody_runs_once_per_period(database: Database) -> None:
    stream = _create(database)
    now = utcnow()
    with database.session() as session:
        assert mark_streams_for_resend(session=session, after=30, limit=10, now=now) == []
        later = now + timedelta(seconds=31)
        assert mark_streams_for_resend(session=session, after=30, limit=10, now=later) == [
            stream.id
        ]
        assert mark_streams_for_resend(session=session, after=30, limit=10, now=later) == []
    assert _claim(database, stream.id) is not None
    with database.session() as session:  # running under its lease (30 s): not sent
        during = now + timedelta(seconds=25)
        assert mark_streams_for_resend(session=session, after=1, limit=10, now=during) == []
        after_it = now + timedelta(seconds=40)
        assert mark_streams_for_resend(session=session, after=1, limit=10, now=after_it) == [
            stream.id
        ]


def test_deleting_a_stream_deletes_its_windows_faces_and_people(database: Database) -> None:
    stream = _claim(database, _create(database).id)
    assert stream is not None
    _record(database, stream, _window(0.0, [(1, "happy", "neutral", 3)]))
    with database.session() as session:
        delete_analysis(session=session, analysis_id=stream.id)
    assert _count(database, FaceRow, stream.id) == 0 and _count(database, PersonRow, stream.id) == 0
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(StreamWindowRow)) == 0
        with pytest.raises(NotFound):
            get_stream(session=session, stream_id=stream.id)
    assert _record(database, stream, _window(5.0, [(1, "happy", "neutral", 3)])) == "gone"
