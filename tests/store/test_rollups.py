"""The statistics read rollups that are kept with the rows they count: the same answers as a
count of the rows for any range (bounds on or off the hour), through inserts, deletes,
re-runs of a lost worker's job and the migration that builds them."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from emokognition.emotions import EMOTIONS
from emokognition.store import (
    Database,
    check_rollups,
    claim_analysis,
    count_analyses,
    create_analysis,
    delete_analysis,
    finish_analysis,
    get_stats,
    list_classifiers,
    list_sources,
    mood_over_time,
    upgrade,
)
from emokognition.store.migrate import downgrade
from emokognition.store.models import AnalysisRow, PersonRow, RollupRow
from emokognition.store.ranges import Piece, split_range
from tests.store.factories import face, image_result, recorded, track, video_result

T0 = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)
MARCH, APRIL = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


@pytest.mark.parametrize(
    ("since", "until", "pieces"),
    [
        (None, None, [Piece("month", None, None)]),
        (at(0.25), at(0.75), [Piece("rows", at(0.25), at(0.75))]),
        (at(0.5), at(1.25), [Piece("rows", at(0.5), at(1)), Piece("rows", at(1), at(1.25))]),
        (at(0.5), at(0.5), []),
        (at(1), at(0), []),
        (at(0), at(3), [Piece("hour", at(0), at(3))]),
        (
            at(0.5),
            at(2.25),
            [
                Piece("rows", at(0.5), at(1)),
                Piece("hour", at(1), at(2)),
                Piece("rows", at(2), at(2.25)),
            ],
        ),
        (
            at(-0.5),
            at(40),
            [
                Piece("rows", at(-0.5), at(0)),
                Piece("hour", at(0), at(14)),
                Piece("day", at(14), at(38)),
                Piece("hour", at(38), at(40)),
            ],
        ),
        (at(14), None, [Piece("day", at(14), APRIL), Piece("month", APRIL, None)]),
        (
            None,
            at(14.5),
            [
                Piece("month", None, MARCH),
                Piece("day", MARCH, at(14)),
                Piece("rows", at(14), at(14.5)),
            ],
        ),
        (
            datetime(9999, 12, 31, 23, 30, tzinfo=UTC),
            None,
            [Piece("rows", datetime(9999, 12, 31, 23, 30, tzinfo=UTC), None)],
        ),
        (
            datetime(9999, 12, 15, tzinfo=UTC),
            None,
            [Piece("day", datetime(9999, 12, 15, tzinfo=UTC), None)],
        ),
    ],
)
def test_a_range_is_split_into_rows_hours_days_and_months(
    since: datetime | None, until: datetime | None, pieces: list[Piece]
) -> None:
    assert list(split_range(since, until)) == pieces


def _seed(database: Database) -> None:
    """Analyses across hours and days, sources and classifiers; one deleted, one failed."""
    moments = [
        at(-24 * 40.3),
        at(-30.2),
        at(-0.75),
        at(-0.1),
        at(0.2),
        at(0.5),
        at(0.99),
        at(1.4),
        at(25.0),
    ]
    for n, moment in enumerate(moments):
        mains = [EMOTIONS[(n + k) % 7] for k in range(n % 3 + 1)]
        faces = [face(main, EMOTIONS[(EMOTIONS.index(main) + 1) % 7]) for main in mains]
        classifier = "emonet32-fer2013" if n % 2 else "mini-xception-fer2013"
        recorded(
            database,
            image_result(faces, classifier=classifier),
            source=("upload", "twitter")[n % 2],
            now=moment,
        )
    frames = [[face("sad", "angry", track=1)], [face("sad", "angry", track=1)]]
    recorded(
        database,
        video_result(frames, tracks=[track(1, "sad", "angry", frames=2)]),
        source="upload",
        now=at(0.6),
    )
    gone = recorded(database, image_result([face("happy", "sad")]), now=at(0.3))
    with database.session() as session:
        delete_analysis(session=session, analysis_id=gone.id)
        create_analysis(session=session, source="mastodon", kind="image", now=at(0.8))


RANGES = [
    (None, None),
    (at(0.25), at(0.75)),
    (at(0.5), at(1.0)),
    (at(-0.8), at(0.3)),
    (at(-31), at(26)),
    (at(-30.2), at(25.0)),
    (at(-24 * 50), at(24 * 30)),
    (at(-24 * 40.5), at(0.3)),
    (at(0), at(24)),
    (None, at(0.55)),
    (at(0.55), None),
    (datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, tzinfo=UTC)),
]


@pytest.mark.parametrize(("since", "until"), RANGES)
def test_rollups_answer_as_the_rows_do_for_any_range(
    database: Database, since: datetime | None, until: datetime | None
) -> None:
    _seed(database)
    with database.session() as session:
        for source in (None, "upload", "twitter", "nowhere"):
            for classifier in (None, "emonet32-fer2013"):
                stats = get_stats(
                    session=session, source=source, since=since, until=until, classifier=classifier
                )
                expected = _count_rows(session, source, since, until, classifier)
                assert (stats.main, stats.alternative) == expected, (source, classifier)
            analyses = count_analyses(session=session, source=source, since=since, until=until)
            assert analyses == _count_analyses(session, source, since, until)
        for bucket in ("hour", "day"):
            mood = mood_over_time(session=session, bucket=bucket, since=since, until=until)
            assert {p.start: p.main for p in mood} == _mood_rows(session, bucket, since, until)
        assert check_rollups(session=session).differences == ()


def test_sources_and_classifiers_come_from_the_rollups(database: Database) -> None:
    _seed(database)
    with database.session() as session:
        assert list_sources(session=session) == ("mastodon", "twitter", "upload")
        assert list_classifiers(session=session) == ("emonet32-fer2013", "mini-xception-fer2013")


def test_a_deleted_analysis_leaves_every_count(database: Database) -> None:
    video = recorded(
        database,
        video_result(
            [[face("happy", "sad", track=1), face("angry", "sad", track=2)]],
            tracks=[track(1, "happy", "sad"), track(2, "angry", "sad")],
        ),
        now=at(0.5),
    )
    with database.session() as session:
        assert get_stats(session=session).faces == 2
        delete_analysis(session=session, analysis_id=video.id)
    with database.session() as session:
        assert get_stats(session=session).faces == 0
        assert count_analyses(session=session) == 0
        assert list_sources(session=session) == ()
        assert mood_over_time(session=session, bucket="hour") == ()
        assert check_rollups(session=session).differences == ()


def test_a_job_rerun_after_its_worker_was_lost_counts_once(database: Database) -> None:
    result = image_result([face("happy", "sad"), face("fearful", "sad")])
    with database.session() as session:
        analysis = create_analysis(session=session, source="upload", kind="image")
        first = claim_analysis(session=session, analysis_id=analysis.id, lease=60, max_attempts=3)
        assert first is not None
    later = datetime.now(UTC) + timedelta(minutes=5)  # the first worker's lease ran out
    with database.session() as session:
        second = claim_analysis(
            session=session, analysis_id=analysis.id, lease=60, max_attempts=3, now=later
        )
        assert second is not None and second.attempts == 2
    with database.session() as session:
        assert finish_analysis(session=session, analysis_id=analysis.id, attempt=2, result=result)
    with database.session() as session:  # the lost worker comes back with its result
        assert not finish_analysis(
            session=session, analysis_id=analysis.id, attempt=1, result=result
        )
    with database.session() as session:
        stats = get_stats(session=session)
        assert (stats.faces, stats.main["happy"], stats.alternative["sad"]) == (2, 1, 2)
        assert check_rollups(session=session).differences == ()


def test_the_check_names_a_count_that_differs(database: Database) -> None:
    recorded(database, image_result([face("happy", "sad")]), now=at(0.5))
    with database.session() as session:
        session.execute(
            update(RollupRow)
            .where(RollupRow.period == "hour", RollupRow.axis == "main")
            .values(tally=RollupRow.tally + 2)
        )
    with database.session() as session:
        check = check_rollups(session=session)
    assert [str(d) for d in check.differences] == [
        "hour 2026-03-09T10:00:00+00:00 upload mini-xception-fer2013 main happy: "
        "1 in the rows, 3 in the rollups"
    ]


def test_the_migration_counts_what_was_recorded_before(database: Database) -> None:
    _seed(database)
    with database.session() as session:
        before = get_stats(session=session), count_analyses(session=session)
    downgrade(database, "0004")
    upgrade(database)
    with database.session() as session:
        assert (get_stats(session=session), count_analyses(session=session)) == before
        check = check_rollups(session=session)
        assert check.differences == () and check.checked > 0


# --- counts straight from the rows -----------------------------------------------------------


def _where(
    column_source: InstrumentedAttribute[str],
    column_time: InstrumentedAttribute[datetime],
    source: str | None,
    since: datetime | None,
    until: datetime | None,
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if source is not None:
        where.append(column_source == source)
    if since is not None:
        where.append(column_time >= since)
    if until is not None:
        where.append(column_time < until)
    return where


def _count_rows(
    session: Session,
    source: str | None,
    since: datetime | None,
    until: datetime | None,
    classifier: str | None,
) -> tuple[dict[str, int], dict[str, int]]:
    where = _where(PersonRow.source, PersonRow.created_at, source, since, until)
    if classifier is not None:
        where.append(PersonRow.classifier == classifier)
    main, alternative = dict.fromkeys(EMOTIONS, 0), dict.fromkeys(EMOTIONS, 0)
    for m, a in session.execute(select(PersonRow.main, PersonRow.alternative).where(*where)):
        main[m] += 1
        alternative[a] += 1
    return main, alternative


def _count_analyses(
    session: Session, source: str | None, since: datetime | None, until: datetime | None
) -> int:
    where = _where(AnalysisRow.source, AnalysisRow.created_at, source, since, until)
    query = select(func.count()).select_from(AnalysisRow).where(*where)
    return int(session.scalar(query) or 0)


def _mood_rows(
    session: Session, bucket: str, since: datetime | None, until: datetime | None
) -> dict[datetime, dict[str, int]]:
    where = _where(PersonRow.source, PersonRow.created_at, None, since, until)
    out: dict[datetime, dict[str, int]] = {}
    query = select(PersonRow.created_at, PersonRow.main).where(*where)
    for moment, main in session.execute(query):
        start = moment.replace(minute=0, second=0, microsecond=0)
        if bucket == "day":
            start = start.replace(hour=0)
        out.setdefault(start, dict.fromkeys(EMOTIONS, 0))[main] += 1
    return out


def test_the_check_command_exits_1_on_a_difference(database: Database) -> None:
    recorded(database, image_result([face("happy", "sad")]), now=at(0.5))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("EMOKOGNITION_", "POSTGRES_"))},
        "EMOKOGNITION_DATABASE_URL": database.url,
    }
    command = [sys.executable, "-m", "emokognition", "db", "check-stats"]
    clean = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    assert (clean.returncode, clean.stdout) == (
        0,
        "the statistics rollups match the rows (9 counts)\n",
    )
    with database.session() as session:
        session.execute(delete(RollupRow).where(RollupRow.axis == "analyses"))
    broken = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    assert broken.returncode == 1
    assert broken.stdout.splitlines()[-1] == "3 of 9 statistics counts differ from the rows"
    assert "day 2026-03-09T00:00:00+00:00 upload analyses: 1 in the rows, 0" in broken.stdout


def test_the_check_asks_for_the_migrations_first(tmp_path: Path) -> None:
    """A database that was never migrated (or is behind) has no rollups to check."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("EMOKOGNITION_", "POSTGRES_"))},
        "EMOKOGNITION_DATABASE_URL": f"sqlite:///{tmp_path / 'old.sqlite3'}",
    }
    command = [sys.executable, "-m", "emokognition", "db", "check-stats"]
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    assert done.returncode == 2
    assert "revision none (newest" in done.stderr and "emokognition db upgrade" in done.stderr
    assert "Traceback" not in done.stderr
