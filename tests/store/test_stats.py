"""Statistics are SQL aggregates over faces, filtered by source and time range."""

from __future__ import annotations

from datetime import timedelta

from emokognition.emotions import EMOTIONS
from emokognition.store import Database, get_stats, utcnow
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
