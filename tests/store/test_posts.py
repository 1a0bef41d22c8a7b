"""The bot's tables: a post's media is recorded once; cursors per (source, account)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from emokognition.store import (
    Database,
    SourcePost,
    find_source_post,
    get_cursor,
    record_source_post,
    set_cursor,
)
from emokognition.store.models import SourcePostRow
from tests.store.factories import face, image_result, recorded


def test_a_post_media_is_recorded_once_even_by_concurrent_callers(database: Database) -> None:
    analyses = [recorded(database, image_result([face("happy", "neutral")])) for _ in range(4)]

    def record(i: int) -> SourcePost:
        with database.session() as session:
            return record_source_post(
                session=session,
                source="twitter",
                post_id="1234",
                media_key="3_999",
                account="emokognition",
                analysis_id=analyses[i % 4].id,
            )

    with ThreadPoolExecutor(8) as pool:
        posts = list(pool.map(record, range(8)))
    assert sum(post.created for post in posts) == 1
    assert len({post.analysis_id for post in posts}) == 1
    with database.session() as session:
        count = session.scalar(select(func.count()).select_from(SourcePostRow))
        found = find_source_post(
            session=session, source="twitter", post_id="1234", media_key="3_999"
        )
        other = record_source_post(
            session=session,
            source="twitter",
            post_id="1234",
            media_key="3_1000",
            analysis_id=analyses[0].id,
        )
    assert count == 1 and found is not None and not found.created
    assert other.created and other.account is None


def test_cursors_per_source_and_account(database: Database) -> None:
    with database.session() as session:
        assert get_cursor(session=session, source="twitter", account="bot") is None
        set_cursor(session=session, source="twitter", account="bot", value="100")
        set_cursor(session=session, source="mastodon", account="bot", value="7")
    with database.session() as session:
        set_cursor(session=session, source="twitter", account="bot", value="205")
    with database.session() as session:
        assert get_cursor(session=session, source="twitter", account="bot") == "205"
        assert get_cursor(session=session, source="mastodon", account="bot") == "7"
        assert get_cursor(session=session, source="mastodon", account="other") is None
