"""The bot's ledger: every post picture recorded once, every reply sent once, a cursor per
(source, account). The daemon's exactly-once rules are kept here, in the database."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from emokognition.errors import NotFound
from emokognition.store import (
    Database,
    SourcePost,
    claim_reply,
    find_post_media,
    find_source_post,
    get_cursor,
    record_reply,
    record_source_post,
    release_reply,
    set_cursor,
)


@dataclass(frozen=True, slots=True)
class PostMedia:
    """One picture of a post, downloaded and checked."""

    source: str
    post_id: str
    media_key: str
    account: str
    data: bytes
    format: str


class PostLedger:
    """What the bot recorded and answered, over one database.

    Args:
        database: The database the service records its analyses in.
    """

    def __init__(self, database: Database) -> None:
        self.database = database

    def find(self, source: str, post_id: str, media_key: str) -> SourcePost | None:
        """The recorded picture, or None when it was never recorded."""
        with self.database.session() as session:
            return find_source_post(
                session=session, source=source, post_id=post_id, media_key=media_key
            )

    def record(
        self,
        media: PostMedia,
        *,
        analysis_id: str | None,
        landmark: dict[str, Any] | None = None,
    ) -> SourcePost:
        """Record a picture with its post, once (the first record wins, `created=False` after).

        Raises:
            NotFound: `analysis_id` is not an analysis of this database.
        """
        try:
            with self.database.session() as session:
                return record_post(session, media, analysis_id=analysis_id, landmark=landmark)
        except IntegrityError as exc:
            raise NotFound(f"analysis {analysis_id} is not in this database") from exc

    def claim_reply(self, source: str, post_id: str) -> tuple[bool, tuple[SourcePost, ...]]:
        """Claim the post's reply before sending it; with the post's recorded pictures."""
        with self.database.session() as session:
            claimed = claim_reply(session=session, source=source, post_id=post_id)
            return claimed, find_post_media(session=session, source=source, post_id=post_id)

    def release_reply(self, source: str, post_id: str) -> None:
        """Give a claim back: nothing was posted, a later run may reply."""
        with self.database.session() as session:
            release_reply(session=session, source=source, post_id=post_id)

    def record_reply(self, source: str, post_id: str, reply_id: str) -> None:
        with self.database.session() as session:
            record_reply(session=session, source=source, post_id=post_id, reply_id=reply_id)

    def cursor(self, source: str, account: str) -> str | None:
        with self.database.session() as session:
            return get_cursor(session=session, source=source, account=account)

    def save_cursor(self, source: str, account: str, value: str) -> None:
        with self.database.session() as session:
            set_cursor(session=session, source=source, account=account, value=value)


def record_post(
    session: Any,
    media: PostMedia,
    *,
    analysis_id: str | None,
    landmark: dict[str, Any] | None = None,
) -> SourcePost:
    """Record a picture with its post in the caller's transaction (see `record_source_post`)."""
    return record_source_post(
        session=session,
        source=media.source,
        post_id=media.post_id,
        media_key=media.media_key,
        account=media.account,
        analysis_id=analysis_id,
        landmark=landmark,
    )
