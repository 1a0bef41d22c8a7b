"""The dashboard's aggregates: analyses counted, sources listed, mood bucketed by hour and day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from emokognition.emotions import EMOTIONS
from emokognition.store import (
    Database,
    count_analyses,
    count_people,
    create_analysis,
    face_time_span,
    get_stats,
    list_analyses,
    list_sources,
    mood_over_time,
)
from tests.store.factories import face, image_result, recorded, video_result

DAY = datetime(2026, 3, 14, tzinfo=UTC)


def _fill(database: Database) -> None:
    """Two faces at 09:10 and one at 09:50 on day 1, two face-frames of one person at 15:00,
    one face at day 3."""
    recorded(
        database,
        image_result([face("happy", "surprised"), face("sad", "neutral")]),
        source="twitter",
        now=DAY + timedelta(hours=9, minutes=10),
    )
    recorded(
        database,
        image_result([face("happy", "neutral")]),
        source="upload",
        now=DAY + timedelta(hours=9, minutes=50),
    )
    recorded(
        database,
        video_result([[face("angry", "sad", track=1)], [face("angry", "sad", track=1)]]),
        source="twitter",
        now=DAY + timedelta(hours=15),
    )
    recorded(
        database,
        image_result([face("neutral", "happy")]),
        source="mastodon",
        now=DAY + timedelta(days=2, hours=1),
    )
    with database.session() as session:  # queued, no faces: counted as an analysis only
        create_analysis(session=session, source="url", now=DAY + timedelta(hours=10))


def test_mood_by_hour_and_by_day(database: Database) -> None:
    _fill(database)
    with database.session() as session:
        hourly = mood_over_time(session=session, bucket="hour", until=DAY + timedelta(days=1))
        daily = mood_over_time(session=session, bucket="day")
        twitter = mood_over_time(session=session, bucket="day", source="twitter")
        stats = get_stats(session=session)
    assert [p.start for p in hourly] == [DAY + timedelta(hours=9), DAY + timedelta(hours=15)]
    assert hourly[0].main == {**dict.fromkeys(EMOTIONS, 0), "happy": 2, "sad": 1}
    assert hourly[1].main == {**dict.fromkeys(EMOTIONS, 0), "angry": 1}  # the video's track
    assert [p.start for p in daily] == [DAY, DAY + timedelta(days=2)]
    assert [p.faces for p in daily] == [4, 1]
    # the buckets add up to the statistics
    assert {e: sum(p.main[e] for p in daily) for e in EMOTIONS} == stats.main
    assert [p.faces for p in twitter] == [3]
    # the same people by their alternative emotion, bucket by bucket
    assert hourly[0].alternative == {**dict.fromkeys(EMOTIONS, 0), "surprised": 1, "neutral": 2}
    assert hourly[1].alternative == {**dict.fromkeys(EMOTIONS, 0), "sad": 1}
    assert {e: sum(p.alternative[e] for p in daily) for e in EMOTIONS} == stats.alternative


def test_people_per_analysis_count_a_track_once(database: Database) -> None:
    photo = recorded(database, image_result([face("happy", "sad"), face("sad", "happy")]))
    frames = [[face("angry", "sad", track=1), face("happy", "sad", track=2)]] * 4
    video = recorded(database, video_result(frames))
    empty = recorded(database, image_result([]))
    with database.session() as session:
        people = count_people(session=session, analysis_ids=[photo.id, video.id, empty.id])
        assert count_people(session=session, analysis_ids=[]) == {}
    assert people == {photo.id: 2, video.id: 2}  # 8 face-frames, 2 tracks


def test_counts_sources_and_span(database: Database) -> None:
    _fill(database)
    with database.session() as session:
        assert count_analyses(session=session) == 5
        assert count_analyses(session=session, source="twitter") == 2
        assert count_analyses(session=session, since=DAY + timedelta(days=1)) == 1
        assert count_analyses(session=session, until=DAY + timedelta(hours=9, minutes=30)) == 1
        assert list_sources(session=session) == ("mastodon", "twitter", "upload", "url")
        span = face_time_span(session=session, source="twitter")
        recent = list_analyses(session=session, since=DAY + timedelta(hours=9, minutes=30))
        window = list_analyses(
            session=session, since=DAY, until=DAY + timedelta(hours=10, minutes=30)
        )
        assert face_time_span(session=session, source="url") is None
    assert span == (DAY + timedelta(hours=9, minutes=10), DAY + timedelta(hours=15))
    assert recent.total == 4 and [a.source for a in recent.items][-1] == "upload"
    assert [a.source for a in window.items] == ["url", "upload", "twitter"]


def test_empty_database_and_bad_bucket(database: Database) -> None:
    with database.session() as session:
        assert mood_over_time(session=session, bucket="day") == ()
        assert count_analyses(session=session) == 0
        assert list_sources(session=session) == ()
        assert face_time_span(session=session) is None
        with pytest.raises(ValueError, match="bucket must be one of"):
            mood_over_time(session=session, bucket="week")  # type: ignore[arg-type]
