"""CSV exports: the statistics with their mood over time, and the faces of one analysis in
the columns of `emokognition analyze --format csv` (its row code, reused)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from emokognition.app.overview import choose_bucket
from emokognition.emotions import EMOTIONS
from emokognition.jobs import JobContext
from emokognition.store import (
    Analysis,
    Bucket,
    MoodPoint,
    RecordedFace,
    Stats,
    face_time_span,
    get_stats,
    list_faces,
    mood_over_time,
)
from emokognition.video.report import CSV_HEADER, PHOTO_CSV_HEADER, csv_rows, photo_csv_rows

STATS_CSV_HEADER = (
    "period",
    "start",
    "end",
    "people",
    *(f"main_{name}" for name in EMOTIONS),
    *(f"alternative_{name}" for name in EMOTIONS),
)
"""One row for the whole range ("all"), then one per hour or day with people ("hour", "day")."""
_CHUNK = 5000


@dataclass(frozen=True, slots=True)
class StatsQuery:
    """The filters of /api/v1/stats: a source, a classifier, [since, until) (aware), and the
    bucket of the mood over time (None: by hour up to two days, else by day)."""

    source: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    classifier: str | None = None
    bucket: Bucket | None = None


@dataclass(frozen=True, slots=True)
class StatsTable:
    """The statistics and their mood over time (buckets without people left out)."""

    query: StatsQuery
    stats: Stats
    bucket: Bucket
    mood: tuple[MoodPoint, ...]

    def csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(STATS_CSV_HEADER)
        total = self.stats
        since, until = _moment(self.query.since), _moment(self.query.until)
        writer.writerow(["all", since, until, total.faces, *_counts(total.main, total.alternative)])
        step = timedelta(hours=1) if self.bucket == "hour" else timedelta(days=1)
        for point in self.mood:
            start, end = _moment(point.start), _moment(point.start + step)
            counts = _counts(point.main, point.alternative)
            writer.writerow([self.bucket, start, end, point.faces, *counts])
        return buffer.getvalue()


def load_stats_table(context: JobContext, query: StatsQuery) -> StatsTable:
    filters: dict[str, Any] = {
        "source": query.source,
        "since": query.since,
        "until": query.until,
        "classifier": query.classifier,
    }
    with context.database.session() as session:
        bucket = query.bucket
        if bucket is None:
            span = face_time_span(session=session, **filters)
            if span is not None:
                bucket = choose_bucket(query.since or span[0], query.until or span[1])
            else:
                bucket = "day"
        return StatsTable(
            query=query,
            stats=get_stats(session=session, **filters),
            bucket=bucket,
            mood=mood_over_time(session=session, bucket=bucket, **filters),
        )


def faces_csv(context: JobContext, analysis: Analysis) -> Iterator[str]:
    """The analysis's faces as CSV text, a chunk of rows at a time, named by its id: a video's
    per face per analysed frame (`CSV_HEADER`), a photo's per face (`PHOTO_CSV_HEADER`)."""
    video = analysis.kind == "video"
    yield _line(CSV_HEADER if video else PHOTO_CSV_HEADER)
    if video:
        for chunk in _chunks(context, analysis.id):
            yield _lines(csv_rows(analysis.id, {"frames": _frames(chunk)}))
        return
    # A photo's faces are few (numbered from 0 across them all): one piece.
    faces = [_face(face) for chunk in _chunks(context, analysis.id) for face in chunk]
    yield _lines(photo_csv_rows(analysis.id, {"faces": faces}))


def _chunks(context: JobContext, analysis_id: str) -> Iterator[tuple[RecordedFace, ...]]:
    after = 0
    while True:
        with context.database.session() as session:
            chunk = list_faces(session=session, analysis_id=analysis_id, after=after, limit=_CHUNK)
        if not chunk:
            return
        yield chunk
        after = chunk[-1].id


def _frames(faces: Iterable[RecordedFace]) -> list[dict[str, Any]]:
    """Faces in recorded order grouped into frames of the video result contract."""
    frames: list[dict[str, Any]] = []
    for face in faces:
        if not frames or frames[-1]["index"] != face.frame:
            frames.append({"index": face.frame, "t": face.t or 0.0, "faces": []})
        frames[-1]["faces"].append(_face(face))
    return frames


def _face(face: RecordedFace) -> dict[str, Any]:
    out: dict[str, Any] = {
        "box": list(face.box),
        "score": face.score,
        "emotions": face.emotions,
        "main": face.main,
        "alternative": face.alternative,
    }
    if face.track is not None:
        out["track"] = face.track
    return out


def _counts(main: dict[str, int], alternative: dict[str, int]) -> list[int]:
    return [main[name] for name in EMOTIONS] + [alternative[name] for name in EMOTIONS]


def _moment(moment: datetime | None) -> str:
    return "" if moment is None else moment.isoformat()


def _line(values: Iterable[object]) -> str:
    return _lines([list(values)])


def _lines(rows: Iterable[list[Any]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()
