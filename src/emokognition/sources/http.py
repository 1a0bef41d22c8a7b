"""HTTP to the social and vision APIs: time-outs, waits on 429, backoff on 5xx, clear 401/403."""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from emokognition.config import Settings
from emokognition.errors import SourceAPIError, SourceAuthError

logger = logging.getLogger(__name__)

_RESET_HEADERS = ("x-rate-limit-reset", "x-ratelimit-reset")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How long to wait and how often to try.

    Attributes:
        tries: Attempts per request, the first included (429 answers count too).
        backoff_base: Seconds before the second try after a 5xx or time-out; doubled each time.
        backoff_max: The longest such wait.
        rate_limit_max_wait: The longest wait for a rate limit's reset, in seconds.
        timeout: Seconds per request.
    """

    tries: int = 5
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    rate_limit_max_wait: float = 900.0
    timeout: float = 20.0

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(
            tries=settings.bot_tries,
            backoff_base=settings.bot_backoff_base,
            backoff_max=settings.bot_backoff_max,
            rate_limit_max_wait=settings.bot_rate_limit_max_wait,
            timeout=settings.bot_http_timeout,
        )

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed try number `attempt` (1 for the first)."""
        return float(min(self.backoff_base * 2 ** (attempt - 1), self.backoff_max))


class ApiClient:
    """An httpx client for one API, named in every error (`name`: "twitter", "mastodon"...).

    Reads (`idempotent=True`) are retried on 5xx and time-outs; writes only when the request
    surely was not taken (429, connection refused), so that a reply is never posted twice.
    """

    def __init__(
        self,
        name: str,
        policy: RetryPolicy,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.name = name
        self.policy = policy
        self._sleep = sleep
        self._http = httpx.Client(timeout=policy.timeout, transport=transport)

    def close(self) -> None:
        self._http.close()

    def json(self, method: str, url: str, *, idempotent: bool | None = None, **kwargs: Any) -> Any:
        """The decoded JSON body of a successful request.

        Raises:
            SourceAuthError: HTTP 401 or 403.
            SourceAPIError: Another error status, retries exhausted, or a body that is not JSON.
        """
        response = self.request(method, url, idempotent=idempotent, **kwargs)
        try:
            return response.json()
        except ValueError as exc:
            raise SourceAPIError(
                f"{self.name} answered {method} {_path(url)} with a body that is not JSON",
                upstream_status=response.status_code,
            ) from exc

    def request(
        self, method: str, url: str, *, idempotent: bool | None = None, **kwargs: Any
    ) -> httpx.Response:
        """A successful (2xx) response; see `json` for what is retried and raised."""
        retry_all = method.upper() in ("GET", "HEAD") if idempotent is None else idempotent
        for attempt in range(1, self.policy.tries + 1):
            last = attempt == self.policy.tries
            try:
                response = self._http.request(method, url, **kwargs)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                # Not connected: nothing was sent, so even a write may be tried again.
                if last:
                    raise self._failed(method, url, f"cannot connect: {exc}") from exc
                self._back_off(attempt, f"cannot connect: {exc}")
                continue
            except httpx.TransportError as exc:
                if last or not retry_all:
                    raise self._failed(method, url, f"no answer: {exc!r}") from exc
                self._back_off(attempt, f"no answer: {exc!r}")
                continue
            status = response.status_code
            if status < 400:
                return response
            # A 403 to a write that creates something (a reply) is about that post: a duplicate
            # text, a conversation closed to replies, a deleted post. It must not stop the bot.
            if status == 401 or (status == 403 and retry_all):
                raise SourceAuthError(
                    f"{self.name} refused the credentials (HTTP {status} on {method} "
                    f"{_path(url)}): {_reason(response)}; check the credentials and their "
                    "permissions"
                )
            if status == 429 and not last:
                self._wait_for_reset(response)
                continue
            if status >= 500 and retry_all and not last:
                self._back_off(attempt, f"HTTP {status}")
                continue
            raise SourceAPIError(
                f"{self.name} answered {method} {_path(url)} with HTTP {status}: "
                f"{_reason(response)}",
                upstream_status=status,
            )
        raise AssertionError("unreachable: the last try returns or raises")

    def raw(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One try, whatever its status: for libraries that read statuses themselves.

        Raises:
            SourceAPIError: No answer.
        """
        try:
            return self._http.request(method, url, **kwargs)
        except httpx.TransportError as exc:
            raise self._failed(method, url, f"no answer: {exc!r}") from exc

    def _back_off(self, attempt: int, why: str) -> None:
        wait = self.policy.backoff(attempt)
        logger.warning("%s: %s; trying again in %.1f s", self.name, why, wait)
        self._sleep(wait)

    def _wait_for_reset(self, response: httpx.Response) -> None:
        wait = min(rate_limit_wait(response.headers), self.policy.rate_limit_max_wait)
        logger.warning("%s: rate limited (HTTP 429); waiting %.1f s", self.name, wait)
        self._sleep(wait)

    def _failed(self, method: str, url: str, why: str) -> SourceAPIError:
        return SourceAPIError(f"{self.name}: {method} {_path(url)} failed: {why}")


def rate_limit_wait(headers: httpx.Headers, *, now: float | None = None) -> float:
    """Seconds until a 429's reset: `x-rate-limit-reset` (epoch seconds, Twitter/X),
    `X-RateLimit-Reset` (ISO 8601, Mastodon) or `Retry-After`; 60 when none says."""
    current = time.time() if now is None else now
    for name in _RESET_HEADERS:
        value = headers.get(name, "").strip()
        if value:
            moment = _epoch(value)
            if moment is not None:
                return max(moment - current, 0.0)
    retry_after = headers.get("retry-after", "").strip()
    if retry_after:
        if retry_after.isdigit():
            return float(retry_after)
        try:
            return max(email.utils.parsedate_to_datetime(retry_after).timestamp() - current, 0.0)
        except (TypeError, ValueError):
            pass
    return 60.0


def _epoch(value: str) -> float | None:
    if value.replace(".", "", 1).isdigit():
        return float(value)
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _path(url: str) -> str:
    """The URL without its query, which may carry an API key."""
    return url.split("?", 1)[0]


def _reason(response: httpx.Response) -> str:
    """A short, single-line excerpt of an error body (APIs explain themselves there)."""
    text = " ".join(response.text.split())
    return text[:200] or response.reason_phrase or "no reason given"
