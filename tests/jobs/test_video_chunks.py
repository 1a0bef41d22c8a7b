"""A video job writes its frames and faces in chunks as it goes, fenced by its attempt; the
analysis keeps no frame, and a job taken over from a worker that died mid-video counts once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from emokognition.jobs import JobContext, run_analysis
from emokognition.jobs.dispatch import FRAME_CHUNK
from emokognition.store import (
    append_frames,
    check_rollups,
    claim_analysis,
    create_analysis,
    frame_page,
    get_analysis,
    get_stats,
    upgrade,
    utcnow,
)
from emokognition.store.models import AnalysisRow, FaceRow, FrameRow, PersonRow
from emokognition.video import VideoOptions, analyze_video
from tests.conftest import SettingsFactory
from tests.shared import VIDEOS
from tests.store.factories import face

HAMILTON = VIDEOS / "hamilton_stage.mp4"  # 275 frames: two chunks when every frame is analysed


@pytest.fixture
def context(make_settings: SettingsFactory) -> Iterator[JobContext]:
    context = JobContext.create(make_settings(video_fps=30.0))
    upgrade(context.database)
    yield context
    context.database.dispose()


def _video_job(context: JobContext) -> str:
    sha256 = context.media.put(HAMILTON.read_bytes())
    with context.database.session() as session:
        return create_analysis(
            session=session, source="upload", kind="video", media_sha256=sha256
        ).id


def _stored(
    context: JobContext, analysis_id: str
) -> tuple[dict[str, Any], list[dict[str, Any]], int]:
    with context.database.session() as session:
        analysis = get_analysis(session=session, analysis_id=analysis_id)
        assert analysis.result is not None
        page = frame_page(
            session=session, analysis_id=analysis_id, result=analysis.result, offset=0, limit=10**6
        )
        faces = session.scalar(
            select(func.count()).select_from(FaceRow).where(FaceRow.analysis_id == analysis_id)
        )
    return analysis.result, list(page.items), int(faces or 0)


def test_a_video_job_writes_its_frames_in_chunks_not_in_its_result(context: JobContext) -> None:
    analysis_id = _video_job(context)
    assert run_analysis(analysis_id, context).status == "done"
    result, frames, faces = _stored(context, analysis_id)
    assert "frames" not in result and len(frames) > FRAME_CHUNK
    analyzer = context.analyzers.get(None, purpose="video")
    whole = analyze_video(HAMILTON, VideoOptions(fps=30.0), analyzer=analyzer).to_dict()
    assert frames == whole.pop("frames")
    assert result == whole
    assert faces == whole["summary"]["faces"]


def test_a_job_taken_over_mid_video_counts_once(context: JobContext) -> None:
    analysis_id = _video_job(context)
    with context.database.session() as session:
        lost = claim_analysis(session=session, analysis_id=analysis_id, lease=60, max_attempts=3)
        assert lost is not None
    partial = [{"index": i, "t": i / 30, "faces": [face("sad", "angry", track=1)]} for i in (0, 1)]
    assert _append(context, analysis_id, lost.attempts, partial)  # then the worker died
    with context.database.session() as session:
        session.execute(
            update(AnalysisRow)
            .where(AnalysisRow.id == analysis_id)
            .values(lease_until=utcnow() - timedelta(seconds=1))
        )
    assert run_analysis(analysis_id, context).status == "done"
    assert not _append(context, analysis_id, lost.attempts, partial)  # back, too late
    result, frames, faces = _stored(context, analysis_id)
    assert faces == result["summary"]["faces"] == sum(len(f["faces"]) for f in frames)
    with context.database.session() as session:
        positions = session.scalars(
            select(FrameRow.position).where(FrameRow.analysis_id == analysis_id)
        ).all()
        people = session.scalar(select(func.count()).select_from(PersonRow))
        assert sorted(positions) == list(range(len(frames)))
        assert people == get_stats(session=session).faces == len(result["tracks"])
        assert check_rollups(session=session).differences == ()


def _append(
    context: JobContext, analysis_id: str, attempt: int, frames: list[dict[str, Any]]
) -> bool:
    with context.database.session() as session:
        return append_frames(
            session=session,
            analysis_id=analysis_id,
            attempt=attempt,
            frames=frames,
            first=0,
            classifier="mini-xception-fer2013",
        )
