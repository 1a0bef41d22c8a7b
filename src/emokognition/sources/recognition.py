"""Emotion recognition for the bot: in this process, or through the service at `API_URL`.

Either way the analysis carries the post's source, so the service's statistics count it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from emokognition.errors import ConfigError, NotFound, SourceAPIError
from emokognition.jobs import JobContext, run_analysis
from emokognition.sources.credentials import BearerAuth
from emokognition.sources.http import ApiClient
from emokognition.sources.payloads import as_dict
from emokognition.store import (
    Database,
    SourcePost,
    create_analysis,
    delete_analysis,
    get_analysis,
    record_source_post,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PostMedia:
    """One picture of a post, downloaded and checked."""

    source: str
    post_id: str
    media_key: str
    account: str
    data: bytes
    format: str


@dataclass(frozen=True, slots=True)
class Recognition:
    """A finished analysis: its result, or why it failed."""

    analysis_id: str
    result: dict[str, Any] | None
    error: str | None = None


def record_post(
    session: Session,
    media: PostMedia,
    *,
    analysis_id: str | None,
    landmark: dict[str, Any] | None = None,
) -> SourcePost:
    """Record a picture with its post, once (see `record_source_post`)."""
    return record_source_post(
        session=session,
        source=media.source,
        post_id=media.post_id,
        media_key=media.media_key,
        account=media.account,
        analysis_id=analysis_id,
        landmark=landmark,
    )


class Recognizer(Protocol):
    def record(self, media: PostMedia) -> SourcePost:
        """Analyse (or queue) the picture and record it with its post, once."""

    def outcome(self, analysis_id: str) -> Recognition:
        """The analysis, finished (run here, or waited for)."""

    def close(self) -> None: ...


class LocalRecognizer:
    """Runs analyses in this process, through the same job function as the service."""

    def __init__(self, context: JobContext, *, sleep: Any = time.sleep) -> None:
        self.context = context
        self._sleep = sleep

    def close(self) -> None:
        """Nothing to close: the context's database belongs to the daemon."""

    def record(self, media: PostMedia) -> SourcePost:
        sha256 = self.context.media.put(media.data)
        # One transaction: a post is never recorded without its analysis, nor the reverse.
        with self.context.database.session() as session:
            analysis = create_analysis(
                session=session,
                source=media.source,
                kind="image",
                media_sha256=sha256,
                media_format=media.format,
            )
            post = record_post(session, media, analysis_id=analysis.id)
            if not post.created:  # another process recorded it first: keep theirs
                delete_analysis(session=session, analysis_id=analysis.id)
        return post

    def outcome(self, analysis_id: str) -> Recognition:
        """Runs the analysis unless finished; waits out the lease of a worker that was lost."""
        while True:
            run = run_analysis(analysis_id, self.context)
            if run.status != "busy":
                break
            logger.info(
                "analysis %s: held by another worker; waiting %.1f s", analysis_id, run.retry_in
            )
            self._sleep(run.retry_in)
        with self.context.database.session() as session:
            analysis = get_analysis(session=session, analysis_id=analysis_id)
        error = analysis.error.message if analysis.error else None
        result = analysis.result if analysis.status == "done" else None
        return Recognition(analysis_id, result, error)


class ServiceRecognizer:
    """Sends pictures to the service at `api_url` (`POST /api/v1/analyses?mode=sync`).

    The call may wait the service's `sync_timeout` (it answers 202 then, and the analysis is
    polled): the bot waits that long and more, as a call it gave up on would be sent again by
    the next poll while the first analysis still finished, and count twice. The service must
    use the bot's database: the bot links its posts to the service's analyses.
    """

    def __init__(
        self,
        api_url: str,
        database: Database,
        client: ApiClient,
        *,
        token: str = "",
        sync_wait: float = 60.0,
        poll: float = 0.5,
        wait: float = 600.0,
        sleep: Any = time.sleep,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.database = database
        self.client = client
        self._auth = BearerAuth(token) if token else None
        self._sync_wait = sync_wait
        self._poll = poll
        self._wait = wait
        self._sleep = sleep

    def close(self) -> None:
        self.client.close()

    def record(self, media: PostMedia) -> SourcePost:
        body = self.client.json(
            "POST",
            f"{self.api_url}/api/v1/analyses",
            params={"mode": "sync"},
            timeout=self._sync_wait,
            files={"file": (f"{media.media_key}.{media.format}", media.data)},
            data={"source": media.source},
            auth=self._auth,
            idempotent=False,
        )
        analysis_id = str(as_dict(body).get("id") or "")
        if not analysis_id:
            raise SourceAPIError("service: the analysis was answered without an id")
        try:
            with self.database.session() as session:
                post = record_post(session, media, analysis_id=analysis_id)
        except IntegrityError as exc:
            raise ConfigError(
                f"analysis {analysis_id} of API_URL is not in the bot's database: "
                "the service and the bot must share one database"
            ) from exc
        if not post.created:  # recorded meanwhile by another process: drop ours, keep theirs
            url = f"{self.api_url}/api/v1/analyses/{analysis_id}"
            answer = self.client.raw("DELETE", url, auth=self._auth)
            logger.warning(
                "analysis %s: the post was recorded meanwhile; deleted it (HTTP %d)",
                analysis_id,
                answer.status_code,
            )
        return post

    def outcome(self, analysis_id: str) -> Recognition:
        deadline = time.monotonic() + self._wait
        while True:
            body = as_dict(
                self.client.json(
                    "GET", f"{self.api_url}/api/v1/analyses/{analysis_id}", auth=self._auth
                )
            )
            status = body.get("status")
            if status == "done":
                return Recognition(analysis_id, as_dict(body.get("result")))
            if status == "failed":
                error = as_dict(body.get("error")).get("message") or "failed"
                return Recognition(analysis_id, None, str(error))
            if status not in ("queued", "running"):
                raise NotFound(f"service: analysis {analysis_id} has status {status!r}")
            if time.monotonic() > deadline:
                raise SourceAPIError(
                    f"service: analysis {analysis_id} not done after {self._wait:g} s"
                )
            self._sleep(self._poll)
