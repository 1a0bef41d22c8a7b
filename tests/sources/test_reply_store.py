"""The store's reply claims and landmark records, on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from emokognition.store import (
    Database,
    claim_reply,
    create_analysis,
    find_post_media,
    list_landmarks,
    record_reply,
    record_source_post,
    release_reply,
)


def _post(database: Database, post_id: str, media_keys: tuple[str, ...]) -> None:
    with database.session() as session:
        for key in media_keys:
            analysis = create_analysis(session=session, source="twitter", kind="image")
            record_source_post(
                session=session,
                source="twitter",
                post_id=post_id,
                media_key=key,
                analysis_id=analysis.id,
            )


def test_a_reply_is_claimed_by_exactly_one_of_many(database: Database) -> None:
    _post(database, "1", ("a", "b"))

    def claim(_: int) -> bool:
        with database.session() as session:
            return claim_reply(session=session, source="twitter", post_id="1")

    with ThreadPoolExecutor(4) as pool:
        assert sorted(pool.map(claim, range(8))) == [False] * 7 + [True]
    with database.session() as session:
        assert all(
            p.reply_claimed_at
            for p in find_post_media(session=session, source="twitter", post_id="1")
        )
        # A post never recorded cannot be claimed.
        assert not claim_reply(session=session, source="twitter", post_id="2")


def test_release_and_record(database: Database) -> None:
    _post(database, "1", ("a",))
    with database.session() as session:
        assert claim_reply(session=session, source="twitter", post_id="1")
        release_reply(session=session, source="twitter", post_id="1")
        assert claim_reply(session=session, source="twitter", post_id="1")
        record_reply(session=session, source="twitter", post_id="1", reply_id="99")
        release_reply(session=session, source="twitter", post_id="1")  # sent: stays claimed
        (post,) = find_post_media(session=session, source="twitter", post_id="1")
    assert post.reply_id == "99" and post.replied_at and post.reply_claimed_at


def test_landmarks_are_listed_newest_first_by_source(database: Database) -> None:
    with database.session() as session:
        for source, post_id, name in (
            ("twitter", "1", "A"),
            ("mastodon", "2", None),
            ("twitter", "3", "C"),
        ):
            record_source_post(
                session=session,
                source=source,
                post_id=post_id,
                media_key="m",
                analysis_id=None,
                landmark={"name": name, "score": 0.5, "mid": None} if name else {},
            )
    _post(database, "4", ("a",))  # an emotion post is no landmark
    with database.session() as session:
        twitter = list_landmarks(session=session, source="twitter")
        everything = list_landmarks(session=session, limit=2)
    assert [p.post_id for p in twitter] == ["3", "1"]
    assert [p.post_id for p in everything] == ["3", "2"]
    assert everything[1].landmark == {}
