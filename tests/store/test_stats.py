"""Statistics are SQL aggregates over people (a photo's faces, a video's tracks once each),
filtered by source and time range."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from emokognition.emotions import EMOTIONS
from emokognition.store import Database, delete_analysis, get_stats, list_classifiers, utcnow
from emokognition.store.models import PersonRow
from tests.store.factories import face, image_result, recorded, track, video_result


def test_counts_by_main_and_alternative_with_every_emotion(database: Database) -> None:
    now = utcnow()
    recorded(
        database,
        image_result([face("happy", "surprised"), face("happy", "neutral")]),
        source="upload",
        now=now - timedelta(days=2),
    )
    recorded(
        database,
        video_result([[face("sad", "angry", track=1)], [face("sad", "angry", track=1)]]),
        source="mastodon",
        now=now,
    )
    with database.session() as session:
        everything = get_stats(session=session)
        mastodon = get_stats(session=session, source="mastodon")
        recent = get_stats(session=session, since=now - timedelta(days=1))
        older = get_stats(session=session, until=now - timedelta(days=1))
        nothing = get_stats(session=session, source="twitter")
    # The video's two face-frames are one person (track 1).
    assert everything.faces == 3
    assert tuple(everything.main) == EMOTIONS and tuple(everything.alternative) == EMOTIONS
    assert everything.main["happy"] == 2 and everything.main["sad"] == 1
    assert everything.alternative == {
        **dict.fromkeys(EMOTIONS, 0),
        "surprised": 1,
        "neutral": 1,
        "angry": 1,
    }
    assert mastodon.faces == 1 and mastodon.main["sad"] == 1
    assert recent.to_dict() == mastodon.to_dict()
    assert older.faces == 2 and older.main["happy"] == 2
    assert nothing.faces == 0 and set(nothing.main.values()) == {0}


def test_faces_of_two_classifiers_are_told_apart(database: Database) -> None:
    recorded(database, image_result([face("happy", "neutral")]))
    recorded(
        database,
        image_result([face("sad", "angry"), face("sad", "fearful")], classifier="emonet32-fer2013"),
    )
    with database.session() as session:
        mixed = get_stats(session=session)
        old = get_stats(session=session, classifier="mini-xception-fer2013")
        new = get_stats(session=session, classifier="emonet32-fer2013")
        classifiers = list_classifiers(session=session)
    assert mixed.faces == 3
    assert (old.faces, old.main["happy"], old.main["sad"]) == (1, 1, 0)
    assert (new.faces, new.main["happy"], new.main["sad"]) == (2, 0, 2)
    assert classifiers == ("emonet32-fer2013", "mini-xception-fer2013")


def test_a_video_counts_each_track_once_by_the_tracks_emotions(database: Database) -> None:
    # Track 1 is happy over the video although fearful in most of its frames (a few strong
    # happy frames win the mean): the statistics follow the track, as its analysis page does.
    frames = [
        [face("fearful", "happy", track=1), face("sad", "neutral", track=2)],
        [face("fearful", "happy", track=1), face("sad", "neutral", track=2)],
        [face("happy", "fearful", track=1), face("angry", "sad")],
    ]
    tracks = [track(1, "happy", "fearful", frames=3), track(2, "sad", "neutral", frames=2)]
    video = recorded(database, video_result(frames, tracks=tracks), source="video")
    recorded(database, image_result([face("happy", "neutral")] * 3), source="photo")
    with database.session() as session:
        from_video = get_stats(session=session, source="video")
        everything = get_stats(session=session)
        rows = session.execute(
            select(PersonRow.track, PersonRow.frames, PersonRow.main)
            .where(PersonRow.analysis_id == video.id)
            .order_by(PersonRow.track)
        ).all()
    # Two tracks and one untracked face: three people, not seven face-frames.
    assert from_video.faces == 3
    assert from_video.main == {**dict.fromkeys(EMOTIONS, 0), "happy": 1, "sad": 1, "angry": 1}
    assert from_video.alternative["fearful"] == 1 and from_video.alternative["neutral"] == 1
    assert sorted(rows, key=str) == sorted(
        [(1, 3, "happy"), (2, 2, "sad"), (None, 1, "angry")], key=str
    )
    assert everything.faces == 6 and everything.main["happy"] == 4
    with database.session() as session:
        delete_analysis(session=session, analysis_id=video.id)
    with database.session() as session:
        assert get_stats(session=session).faces == 3
        assert session.scalar(select(func.count()).select_from(PersonRow)) == 3
