"""What comes in, recorded before it is queued: an upload (its bytes stored under the media's
lock, its post recorded with it), a URL (checked, downloaded later by its job), a bot's
picture; and undoing one that could not be queued."""

from __future__ import annotations

import logging

from emokognition.app.ledger import PostMedia, record_post
from emokognition.app.submission import Submission
from emokognition.errors import MediaTooLarge, RequestError
from emokognition.jobs import JobContext
from emokognition.media.download import check_url
from emokognition.media.sniff import identify
from emokognition.store import (
    Analysis,
    SourcePost,
    create_analysis,
    delete_analysis,
    get_analysis,
    record_source_post,
)

logger = logging.getLogger(__name__)


class Intake:
    """Records submissions in the database and their media in the store."""

    def __init__(self, context: JobContext) -> None:
        self.context = context

    def upload(self, submission: Submission, data: bytes) -> tuple[Analysis, bool]:
        """The recorded analysis, and whether it is new (not the post's from before).

        Raises:
            MediaTooLarge: Over `max_upload_bytes`.
            UnsupportedFormat: Bytes of no format we read.
            RequestError: The post was recorded with a landmark, not an analysis.
        """
        limit = self.context.settings.max_upload_bytes
        if len(data) > limit:
            raise MediaTooLarge(f"upload is {len(data):,} bytes (limit {limit:,})")
        fmt, kind = identify(data[:64])
        source, post = submission.source or "upload", submission.post
        with self.context.keeper.taking_up(data) as (session, sha256):
            analysis = create_analysis(
                session=session,
                source=source,
                kind=kind,
                detector=submission.detector,
                classifier=submission.classifier,
                media_sha256=sha256,
                media_format=fmt,
            )
            if post is None:
                return analysis, True
            recorded = record_source_post(
                session=session,
                source=source,
                post_id=post.post_id,
                media_key=post.media_key,
                account=post.account,
                analysis_id=analysis.id,
            )
            if not recorded.created:  # sent before: the first analysis stands, ours goes
                delete_analysis(session=session, analysis_id=analysis.id)
                if recorded.analysis_id is None:
                    raise RequestError(
                        f"post {post.post_id} media {post.media_key} of {source} is recorded "
                        "with a landmark, not an emotion analysis"
                    )
                analysis = get_analysis(session=session, analysis_id=recorded.analysis_id)
        if analysis.media_sha256 != sha256:  # the post's first picture had other bytes
            self.drop_media(sha256)
        logger.info("analysis %s: post %s was recorded before", analysis.id, post.post_id)
        return analysis, False

    def url(self, submission: Submission) -> Analysis:
        """A URL's analysis, queued to download it.

        Raises:
            ForbiddenURL: Not http(s), or not a public address (unless allowed).
        """
        url = submission.url or ""
        check_url(url, allow_private=self.context.settings.allow_private_urls)
        with self.context.database.session() as session:
            return create_analysis(
                session=session,
                source=submission.source or "url",
                detector=submission.detector,
                classifier=submission.classifier,
                url=url,
            )

    def post(self, media: PostMedia) -> SourcePost:
        """Record a post's picture with a new analysis of it, in one transaction: a post is
        never recorded without its analysis, nor the reverse. When another process recorded
        the post first, theirs is kept (`created=False`) and ours is dropped."""
        with self.context.keeper.taking_up(media.data) as (session, sha256):
            analysis = create_analysis(
                session=session,
                source=media.source,
                kind="image",
                media_sha256=sha256,
                media_format=media.format,
            )
            post = record_post(session, media, analysis_id=analysis.id)
            if not post.created:
                delete_analysis(session=session, analysis_id=analysis.id)
        if not post.created:
            self.drop_media(sha256)
        return post

    def forget(self, analysis: Analysis) -> None:
        """Undo an analysis that could not be queued."""
        with self.context.database.session() as session:
            delete_analysis(session=session, analysis_id=analysis.id)
        self.drop_media(analysis.media_sha256)

    def drop_media(self, sha256: str | None) -> None:
        """Delete stored media unless an analysis uses it (under the media's lock)."""
        self.context.keeper.drop(sha256)
