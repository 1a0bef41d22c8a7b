"""Emotion recognition for the bot: in this process, or through the service at `API_URL`.

Either way the analysis carries the post's source, so the service's statistics count it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Protocol

from emokognition.app import AnalysisService, PostLedger, PostMedia, SourcePost
from emokognition.errors import ConfigError, NotFound, SourceAPIError
from emokognition.sources.credentials import BearerAuth
from emokognition.sources.http import ApiClient
from emokognition.sources.payloads import as_dict

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Recognition:
    """A finished analysis: its result, or why it failed."""

    analysis_id: str
    result: dict[str, Any] | None
    error: str | None = None


class Recognizer(Protocol):
    def record(self, media: PostMedia) -> SourcePost:
        """Analyse (or queue) the picture and record it with its post, once."""

    def outcome(self, analysis_id: str) -> Recognition:
        """The analysis, finished (run here, or waited for)."""

    def close(self) -> None: ...


class LocalRecognizer:
    """Runs analyses in this process, through the same job function as the service."""

    def __init__(self, service: AnalysisService, *, sleep: Any = time.sleep) -> None:
        self.service = service
        self._sleep = sleep

    def close(self) -> None:
        """Nothing to close: the service's database belongs to the daemon."""

    def record(self, media: PostMedia) -> SourcePost:
        return self.service.record_post(media)

    def outcome(self, analysis_id: str) -> Recognition:
        analysis = self.service.analyse_now(analysis_id, sleep=self._sleep)
        error = analysis.error.message if analysis.error else None
        result = analysis.result if analysis.status == "done" else None
        return Recognition(analysis_id, result, error)


class ServiceRecognizer:
    """Sends pictures to the service at `api_url` (`POST /api/v1/analyses?mode=sync`).

    Each picture goes with its post (`source`, `post_id`, `media_key`: the idempotency key),
    which the service records with the analysis in one transaction. A call whose answer was
    lost is therefore sent again, at once and by later polls, and answered with the first
    analysis: nothing is counted twice. The call may wait the service's `sync_timeout` (it
    answers 202 then, and the analysis is polled). The service must use the bot's database:
    the bot replies from the posts recorded there.
    """

    def __init__(
        self,
        api_url: str,
        ledger: PostLedger,
        client: ApiClient,
        *,
        token: str = "",
        sync_wait: float = 60.0,
        poll: float = 0.5,
        wait: float = 600.0,
        sleep: Any = time.sleep,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.ledger = ledger
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
            data={
                "source": media.source,
                "post_id": media.post_id,
                "media_key": media.media_key,
                "account": media.account,
            },
            auth=self._auth,
            idempotent=True,  # the post is the key: a second send records nothing new
        )
        analysis_id = str(as_dict(body).get("id") or "")
        if not analysis_id:
            raise SourceAPIError("service: the analysis was answered without an id")
        post = self.ledger.find(media.source, media.post_id, media.media_key)
        if post is None or post.analysis_id != analysis_id:
            raise ConfigError(
                f"analysis {analysis_id} of API_URL is not recorded in the bot's database: "
                "the service and the bot must share one database"
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
