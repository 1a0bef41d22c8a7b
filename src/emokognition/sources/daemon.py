"""The bot's loop: poll mentions, record each picture once, reply once, advance the cursor.

Exactly once, across restarts and kills:
1. a picture is recorded with its post in one transaction (the unique source post decides);
2. the reply is claimed in the database before it is sent, and its id stored after;
3. the cursor moves past a mention only when 1 and 2 are done, or when its pictures cannot be
   analysed for a reason of their own (refusals of this configuration or of the service being
   down stop before it, so the next poll tries it again).
A restart thus redoes what was recorded but not replied; a kill while sending leaves a claim
without reply id, which is never sent again (at most once, logged).
"""

from __future__ import annotations

import logging
import queue
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

from emokognition.app import PostLedger, PostMedia, SourcePost
from emokognition.config import Settings
from emokognition.errors import (
    DownloadError,
    MediaError,
    NotFound,
    PrivateAddress,
    SourceAPIError,
    SourceAuthError,
    SourceError,
    Unavailable,
    UnsupportedFormat,
)
from emokognition.media.download import download
from emokognition.media.sniff import IMAGE_FORMATS, sniff_format
from emokognition.sources.http import RetryPolicy
from emokognition.sources.landmarks import LandmarkRecognizer
from emokognition.sources.mentions import MediaRef, Mention, MentionSource
from emokognition.sources.recognition import Recognizer
from emokognition.sources.replier import BotType, Handled, Replier

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DaemonOptions:
    """How the daemon runs.

    Attributes:
        bot: "emokognition" replies with emotions, "landmark" with the landmark seen.
        once: Poll until no new mention is left, then return.
        interval: Seconds between polls otherwise.
        reply: False records without replying.
        initial_cursor: Where to start when no cursor is stored ("" for every mention).
    """

    bot: BotType = "emokognition"
    once: bool = False
    interval: float = 60.0
    reply: bool = True
    initial_cursor: str = ""


class Daemon:
    """Watches one source's mentions and answers them; see the module docstring."""

    def __init__(
        self,
        *,
        source: MentionSource,
        ledger: PostLedger,
        settings: Settings,
        options: DaemonOptions,
        recognizer: Recognizer | None = None,
        landmarks: LandmarkRecognizer | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if (recognizer if options.bot == "emokognition" else landmarks) is None:
            raise ValueError(f"the {options.bot} bot needs its recognizer")
        self.source = source
        self.ledger = ledger
        self.replier = Replier(source, ledger, options.bot)
        self.settings = settings
        self.options = options
        self.recognizer = recognizer
        self.landmarks = landmarks
        self._sleep = sleep

    def __enter__(self) -> Daemon:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP clients and the database connections."""
        self.source.close()
        for part in (self.recognizer, self.landmarks):
            if part is not None:
                part.close()
        self.ledger.database.dispose()

    def run(self) -> int:
        """Poll and answer; with `once`, return 0 when no new mention is left.

        Raises:
            SourceAuthError: Credentials refused (never retried).
            SourceAPIError, Unavailable: With `once`, a poll failed after its retries.
        """
        self.source.start()
        cursor = self._first_cursor()
        logger.info(
            "%s bot on %s (account %s) from %s",
            self.options.bot,
            self.source.name,
            self.source.account,
            cursor or "every mention the API still returns (no cursor stored or configured)",
        )
        while True:
            try:
                mentions = self.source.mentions(cursor)
                cursor = self._process_all(mentions) or cursor
            except (SourceAPIError, Unavailable) as exc:
                cursor = self._first_cursor()  # as far as the mentions before the failure got
                if self.options.once:
                    raise
                logger.warning("%s; polling again in %g s", exc.message, self.options.interval)
                mentions = []
            if self.options.once and not mentions:
                return 0
            if not self.options.once:
                self._sleep(self.options.interval)

    def _process_all(self, mentions: list[Mention]) -> str | None:
        """Process `mentions` (oldest first), up to `bot_concurrency` conversations at once,
        each conversation's in order; the cursor moves past a mention only when it and every
        mention before it are done. Returns the cursor saved last (None when none moved it).

        Raises:
            The first failure in mention order, after saving the cursor just before it.
        """
        lanes: dict[str, list[int]] = {}
        for index, mention in enumerate(mentions):
            lanes.setdefault(mention.conversation or mention.post_id, []).append(index)
        finished: queue.SimpleQueue[tuple[int, BaseException | None]] = queue.SimpleQueue()

        def run_lane(indices: list[int]) -> None:
            for position, index in enumerate(indices):
                try:
                    self.process(mentions[index])
                except BaseException as exc:  # handed to the polling thread, which raises it
                    finished.put((index, exc))
                    for later in indices[position + 1 :]:  # stays in order: not processed
                        finished.put((later, _NOT_RUN))
                    return
                finished.put((index, None))

        workers = min(self.settings.bot_concurrency, len(lanes)) or 1
        outcome: dict[int, BaseException | None] = {}
        saved, done = None, 0
        with ThreadPoolExecutor(workers, thread_name_prefix="mention") as pool:
            for indices in lanes.values():
                pool.submit(run_lane, indices)
            for _ in mentions:
                index, error = finished.get()
                outcome[index] = error
                while done in outcome and outcome[done] is None:
                    done += 1
                    saved = mentions[done - 1].cursor
                    self._save_cursor(saved)
        failures = [outcome[i] for i in sorted(outcome) if outcome[i] is not None]
        first = next((e for e in failures if e is not _NOT_RUN), None)
        if first is not None:
            raise first
        return saved

    def process(self, mention: Mention) -> list[Handled]:
        """Record every picture of a mention once and reply once; returns what was recorded."""
        handled = [h for h in (self._handle(mention, media) for media in mention.media) if h]
        if not mention.media:
            logger.debug("%s post %s: no media", self.source.name, mention.post_id)
        elif not handled:
            logger.info("%s post %s: nothing to analyse", self.source.name, mention.post_id)
        elif self.options.reply:
            self.replier.reply(mention, handled)
        return handled

    def _handle(self, mention: Mention, media: MediaRef) -> Handled | None:
        where = f"{self.source.name} post {mention.post_id} media {media.key}"
        if media.problem:
            logger.warning("%s skipped: %s", where, media.problem)
            return None
        try:
            post = self.ledger.find(self.source.name, mention.post_id, media.key)
            if post is None:
                post = self._record(mention, media)
            if post.analysis_id is None or self.recognizer is None:
                return Handled(post)
            outcome = self.recognizer.outcome(post.analysis_id)
        except SourceAuthError:
            raise
        except PrivateAddress as exc:
            # Refused by this configuration, not by the picture: stop before the mention, so
            # that it is tried again once private addresses are allowed, not lost.
            raise Unavailable(
                f"{where}: {exc.message}; not moving past this mention until then"
            ) from exc
        except SourceAPIError as exc:
            if _transient(exc):
                # Vision or the service is down, not the picture bad: stop before this
                # mention, so that the next poll tries it again.
                raise
            logger.warning("%s skipped: %s", where, exc.message)
            return None
        except (MediaError, SourceError, NotFound) as exc:
            logger.warning("%s skipped: %s", where, exc.message)
            return None
        if outcome.result is None:
            logger.warning("%s: analysis %s failed: %s", where, outcome.analysis_id, outcome.error)
            return None
        return Handled(post, outcome.result)

    def _record(self, mention: Mention, media: MediaRef) -> SourcePost:
        data, fmt = self._download(media)
        picture = PostMedia(
            source=self.source.name,
            post_id=mention.post_id,
            media_key=media.key,
            account=self.source.account,
            data=data,
            format=fmt,
        )
        if self.recognizer is not None and self.options.bot == "emokognition":
            return self.recognizer.record(picture)
        landmarks = self.landmarks
        if landmarks is None:  # excluded by __init__
            raise ValueError("no landmark recognizer")
        landmark = landmarks.recognise(data)
        return self.ledger.record(
            picture, analysis_id=None, landmark=landmark.to_dict() if landmark else {}
        )

    def _download(self, media: MediaRef) -> tuple[bytes, str]:
        """The picture's bytes; a media host that fails for a moment is tried again with
        backoff (`bot_tries`), one that keeps failing skips the picture rather than block."""
        url = media.url or ""
        trusted = _host(url) in self.source.api_hosts
        policy = RetryPolicy.from_settings(self.settings)
        for attempt in range(1, policy.tries + 1):
            try:
                data = download(
                    url,
                    max_bytes=self.settings.max_download_bytes,
                    timeout=self.settings.download_timeout,
                    deadline=self.settings.download_deadline,
                    allow_private=self.settings.allow_private_urls
                    or (self.settings.allow_private_api_media and trusted),
                )
                break
            except DownloadError as exc:
                if not exc.transient or attempt == policy.tries:
                    raise
                wait = policy.backoff(attempt)
                logger.warning("%s: %s; trying again in %.1f s", media.key, exc.message, wait)
                self._sleep(wait)
        fmt = sniff_format(data[:64])
        if fmt not in IMAGE_FORMATS:
            raise UnsupportedFormat(
                f"{media.kind} is not an image ({', '.join(IMAGE_FORMATS)}): "
                f"got {fmt or 'unknown bytes'}"
            )
        return data, fmt

    def _first_cursor(self) -> str | None:
        stored = self.ledger.cursor(self.source.name, self.source.account)
        return stored or self.options.initial_cursor or None

    def _save_cursor(self, value: str) -> None:
        self.ledger.save_cursor(self.source.name, self.source.account, value)


class _NotRun(Exception):
    """A mention left for the next poll: one before it in its conversation failed."""


_NOT_RUN = _NotRun()


def _host(url: str) -> str | None:
    """The URL's host; None for one too malformed to have one (the download refuses it)."""
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def _transient(exc: SourceAPIError) -> bool:
    """No answer, a rate limit or a server error: worth trying again later."""
    status = exc.upstream_status
    return status is None or status == 429 or status >= 500
