"""Run one analysis by id: claim it, hold its lease, analyse, record the result or the failure.

The database status is the truth: whoever runs a job (an inline thread, a Celery worker, a
second delivery of the same message) first claims it there, and only the holder of the latest
attempt can record an outcome.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from emokognition.errors import EmokognitionError, Interrupted, NotFound, WorkerLost
from emokognition.jobs.context import JobContext
from emokognition.jobs.dispatch import analyse_media
from emokognition.jobs.progress import ProgressReport
from emokognition.media.download import download
from emokognition.media.sniff import identify, media_kind, sniff_format
from emokognition.store import (
    Analysis,
    JobError,
    append_frames,
    attach_media,
    claim_analysis,
    fail_analysis,
    finish_analysis,
    get_analysis,
    release_analysis,
    renew_lease,
    utcnow,
)

logger = logging.getLogger(__name__)

INTERNAL_ERROR = JobError(code="error", message="internal error during analysis")


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one attempt to run a job.

    Attributes:
        status: "done" or "failed" (this attempt recorded it), "skipped" (finished, failed or
            deleted before we could take it), "busy" (another worker holds a valid lease), or
            "interrupted" (stopped for a shutdown and queued again, nothing recorded).
        retry_in: For "busy": seconds until that lease runs out.
        faces: Faces recorded ("done" only).
    """

    analysis_id: str
    status: str
    retry_in: float = 0.0
    faces: int = 0


def run_analysis(
    analysis_id: str, context: JobContext, *, stopping: threading.Event | None = None
) -> Outcome:
    """Claim and run the analysis `analysis_id`; see `Outcome`.

    `stopping` is set when the process shuts down: a video then stops between batches and
    goes back to the queue ("interrupted"), nothing of it recorded.

    Raises:
        Unavailable: The database cannot be reached (the job stays for a later attempt).
    """
    settings = context.settings
    with context.database.session() as session:
        job = claim_analysis(
            session=session,
            analysis_id=analysis_id,
            lease=settings.job_lease,
            max_attempts=settings.job_attempts,
        )
        current = None if job is not None else _find(session, analysis_id)
    if job is None:
        return _not_ours(analysis_id, current)
    started = time.perf_counter()
    try:
        with _LEASES.holding(context, job):
            result, error, kind = _execute(job, context, stopping)
    except Interrupted as exc:
        with context.database.session() as session:
            release_analysis(session=session, analysis_id=job.id, attempt=job.attempts)
        logger.info("analysis %s queued again: %s", job.id, exc.message)
        return Outcome(job.id, "interrupted")
    with context.database.session() as session:
        if error is None and result is not None:
            recorded = finish_analysis(
                session=session, analysis_id=job.id, attempt=job.attempts, result=result
            )
            status = "done"
        else:
            recorded = fail_analysis(
                session=session,
                analysis_id=job.id,
                attempt=job.attempts,
                error=error or INTERNAL_ERROR,
            )
            status = "failed"
    seconds = time.perf_counter() - started
    if not recorded:
        logger.info("analysis %s: taken over or deleted while running; result dropped", job.id)
        return Outcome(job.id, "skipped")
    faces = _count_faces(result) if result is not None else 0
    if context.metrics is not None:
        main = _main_counts(result) if result is not None else {}
        context.metrics.observe(kind=kind, status=status, seconds=seconds, main=main)
    logger.info(
        "analysis %s %s: %s from %s, %d faces in %.0f ms (attempt %d)%s",
        job.id,
        status,
        kind or "media",
        job.source,
        faces,
        seconds * 1000,
        job.attempts,
        f": {error.message} ({error.code})" if error else "",
        extra={"analysis_id": job.id, "status": status, "duration_ms": round(seconds * 1000)},
    )
    return Outcome(job.id, status, faces=faces)


def _execute(
    job: Analysis, context: JobContext, stopping: threading.Event | None
) -> tuple[dict[str, Any] | None, JobError | None, str | None]:
    kind = job.kind
    try:
        data, kind, sha256 = _media(job, context)
        result = analyse_media(
            kind=kind,
            data=data,
            path=context.media.path(sha256),
            detector=job.detector,
            classifier=job.classifier,
            analyzers=context.analyzers,
            progress=ProgressReport(context, job),
            stopping=stopping,
            frames=_FrameWriter(context, job),
        )
    except Interrupted:
        raise
    except EmokognitionError as exc:
        return None, JobError(code=exc.code, message=exc.message), kind
    except Exception:  # a job must end recorded, whatever broke inside it
        logger.exception("analysis %s crashed", job.id)
        return None, INTERNAL_ERROR, kind
    return result, None, kind


def _media(job: Analysis, context: JobContext) -> tuple[bytes | None, str, str]:
    """The media bytes (None for a stored video: it is read from its file as it is decoded),
    kind and sha256; a URL job downloads, stores and records them first."""
    if job.media_sha256:
        head = context.media.head(job.media_sha256)  # NotFound when the file is gone
        kind = job.kind or media_kind(sniff_format(head) or "")
        data = None if kind == "video" else context.media.read(job.media_sha256)
        return data, kind, job.media_sha256
    if not job.url:
        raise NotFound(f"analysis {job.id} has neither media nor URL")
    settings = context.settings
    data = download(
        job.url,
        max_bytes=settings.max_download_bytes,
        timeout=settings.download_timeout,
        deadline=settings.download_deadline,
        allow_private=settings.allow_private_urls,
    )
    fmt, kind = identify(data[:64])
    with context.keeper.taking_up(data) as (session, sha256):
        attached = attach_media(
            session=session,
            analysis_id=job.id,
            attempt=job.attempts,
            sha256=sha256,
            fmt=fmt,
            kind=kind,
        )
        if not attached:  # rolled back: the file is not kept for nobody
            raise NotFound(f"analysis {job.id} was deleted or taken over while downloading")
    return data, kind, sha256


class _FrameWriter:
    """Records a video job's frames chunk by chunk, each in its own transaction, fenced by
    the job's attempt; raises `WorkerLost` to stop the analysis once the job is not ours."""

    def __init__(self, context: JobContext, job: Analysis) -> None:
        self._context = context
        self._job = job

    def __call__(self, frames: Sequence[dict[str, Any]], first: int, classifier: str) -> None:
        with self._context.database.session() as session:
            ours = append_frames(
                session=session,
                analysis_id=self._job.id,
                attempt=self._job.attempts,
                frames=frames,
                first=first,
                classifier=classifier,
            )
        if not ours:
            raise WorkerLost(f"analysis {self._job.id} was taken over or deleted")


def _find(session: Any, analysis_id: str) -> Analysis | None:
    try:
        return get_analysis(session=session, analysis_id=analysis_id)
    except NotFound:
        return None


def _not_ours(analysis_id: str, current: Analysis | None) -> Outcome:
    if current is not None and current.status == "running" and current.lease_until is not None:
        wait = (current.lease_until - utcnow()).total_seconds()
        return Outcome(analysis_id, "busy", retry_in=max(wait, 0.0) + 0.5)
    return Outcome(analysis_id, "skipped")


def _count_faces(result: dict[str, Any]) -> int:
    summary = result.get("summary", {})
    return int(summary.get("faces", 0))


def _main_counts(result: dict[str, Any]) -> dict[str, int]:
    summary = result.get("summary", {})
    return {str(emotion): int(n) for emotion, n in summary.get("main", {}).items()}


class _LeaseRenewer:
    """Renews the leases of the jobs running in this process, each every third of its lease,
    from one thread started on first use: a thread started and joined per job cost a photo
    job as much as recording its result (`make bench`)."""

    def __init__(self) -> None:
        self._wake = threading.Condition()
        self._due: dict[tuple[str, int], tuple[float, JobContext, Analysis]] = {}
        self._thread: threading.Thread | None = None

    @contextmanager
    def holding(self, context: JobContext, job: Analysis) -> Iterator[None]:
        key = (job.id, job.attempts)
        with self._wake:
            self._due[key] = (time.monotonic() + context.settings.job_lease / 3, context, job)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="leases", daemon=True)
                self._thread.start()
            self._wake.notify()
        try:
            yield
        finally:
            with self._wake:
                self._due.pop(key, None)

    def _run(self) -> None:
        while True:
            with self._wake:
                now = time.monotonic()
                soonest = min((due for due, _, _ in self._due.values()), default=now + 60)
                if soonest > now:
                    self._wake.wait(soonest - now)
                    continue
                ready = [(key, c, j) for key, (due, c, j) in self._due.items() if due <= now]
                for key, context, job in ready:
                    self._due[key] = (now + context.settings.job_lease / 3, context, job)
            for key, context, job in ready:
                if not _renew(context, job):
                    with self._wake:
                        self._due.pop(key, None)


def _renew(context: JobContext, job: Analysis) -> bool:
    """Renew one job's lease; False when it is no longer this attempt's."""
    try:
        with context.database.session() as session:
            mine = renew_lease(
                session=session,
                analysis_id=job.id,
                attempt=job.attempts,
                lease=context.settings.job_lease,
            )
    except (EmokognitionError, SQLAlchemyError) as exc:
        logger.warning("analysis %s: cannot renew lease: %s", job.id, exc)
        return True  # try again at the next turn
    if not mine:
        logger.info("analysis %s: no longer ours; stop renewing", job.id)
    return mine


_LEASES = _LeaseRenewer()
