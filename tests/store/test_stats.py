"""Statistics are SQL aggregates over faces, filtered by source and time range."""

from __future__ import annotations

from datetime import timedelta

from emokognition.emotions import EMOTIONS
from emokognition.store import Database, get_stats, list_classifiers, utcnow
from tests.store.factories import face, image_result, recorded, video_result


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
    assert everything.faces == 4
    assert tuple(everything.main) == EMOTIONS and tuple(everything.alternative) == EMOTIONS
    assert everything.main["happy"] == 2 and everything.main["sad"] == 2
    assert everything.alternative == {
        **dict.fromkeys(EMOTIONS, 0),
        "surprised": 1,
        "neutral": 1,
        "angry": 2,
    }
    assert mastodon.faces == 2 and mastodon.main["sad"] == 2
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
