"""One exception hierarchy for everything emokognition raises on purpose.

```
EmokognitionError            code "error",             HTTP 500
├── ConfigError              code "config_error",      HTTP 500
├── MediaError               code "invalid_media",     HTTP 422
│   ├── UnsupportedFormat    code "unsupported_format", HTTP 415
│   ├── MediaTooLarge        code "media_too_large",   HTTP 413
│   └── CorruptMedia         code "corrupt_media",     HTTP 422
├── SourceError              code "source_error",      HTTP 502
│   ├── ForbiddenURL         code "forbidden_url",     HTTP 400
│   ├── DownloadError        code "download_failed",   HTTP 502
│   │   └── UnknownHost      code "unknown_host",      HTTP 422
│   ├── StreamError          code "stream_failed",     HTTP 502
│   ├── SourceAuthError      code "source_unauthorized", HTTP 502
│   └── SourceAPIError       code "source_api_error",  HTTP 502
├── ModelError               code "model_error",       HTTP 500
├── NotFound                 code "not_found",         HTTP 404
├── RequestError             code "bad_request",       HTTP 400
│   └── Unauthorized         code "unauthorized",      HTTP 401
├── Unavailable              code "unavailable",       HTTP 503
│   ├── QueueFull            code "queue_full",        HTTP 503
│   └── TooManyStreams       code "too_many_streams",  HTTP 503
│   └── Interrupted          code "interrupted",       HTTP 503
└── WorkerLost               code "worker_lost",       HTTP 500
```

Each class carries a machine-readable `code` and the HTTP status the service answers with,
so one handler for the base class maps them all.
"""

from __future__ import annotations

import re

_OBJECT_REPR = re.compile(r"\s*<[\w.]+ object at 0x[0-9a-fA-F]+>")


class EmokognitionError(Exception):
    """Base class: a failure that emokognition detected and can explain."""

    code = "error"
    status = 500

    def __init__(self, message: str) -> None:
        # Messages reach API clients: a library's repr of an object (Pillow's
        # "<_io.BytesIO object at 0x7f...>") tells them nothing and leaks a heap address.
        message = _OBJECT_REPR.sub("", message).rstrip(" :")
        super().__init__(message)
        self.message = message


class ConfigError(EmokognitionError):
    """A setting is missing, malformed or inconsistent."""

    code = "config_error"


class MissingExtra(ConfigError):
    """An optional part of emokognition is used without the extra that installs it."""

    def __init__(self, what: str, extra: str) -> None:
        super().__init__(f"{what} needs the {extra} extra: pip install 'emokognition[{extra}]'")
        self.extra = extra


class MediaError(EmokognitionError):
    """The media cannot be analysed."""

    code = "invalid_media"
    status = 422


class UnsupportedFormat(MediaError):
    """The bytes are not an image or video format we read."""

    code = "unsupported_format"
    status = 415


class MediaTooLarge(MediaError):
    """The media exceeds a size, pixel or duration limit."""

    code = "media_too_large"
    status = 413


class CorruptMedia(MediaError):
    """The format is known but the content is truncated or damaged."""

    code = "corrupt_media"
    status = 422


class SourceError(EmokognitionError):
    """Media could not be fetched from where it was said to be."""

    code = "source_error"
    status = 502


class ForbiddenURL(SourceError):
    """The URL is refused: bad scheme, or a private, loopback or link-local address."""

    code = "forbidden_url"
    status = 400


class PrivateAddress(ForbiddenURL):
    """The host resolves to a private address and this configuration does not allow those
    (`EMOKOGNITION_ALLOW_PRIVATE_URLS`): the refusal is ours, so the same URL works once
    allowed."""


class DownloadError(SourceError):
    """The download failed, timed out, or answered with an error status.

    Attributes:
        transient: No answer, a time-out, HTTP 429 or 5xx: the same URL may work later.
    """

    code = "download_failed"
    status = 502

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


class UnknownHost(DownloadError):
    """The URL's host name does not exist: the URL's mistake, not a failure to fetch."""

    code = "unknown_host"
    status = 422


class StreamError(SourceError):
    """A live stream cannot be opened (no answer within the time-out, refused, not a video),
    or stayed down after every reconnection try."""

    code = "stream_failed"


class SourceAuthError(SourceError):
    """A social or vision API refused our credentials (HTTP 401/403), or they are missing."""

    code = "source_unauthorized"


class SourceAPIError(SourceError):
    """A social or vision API failed or answered something we cannot use.

    Attributes:
        upstream_status: The HTTP status it answered, None when no answer came (time-out,
            connection lost), so a caller knows whether a write may have happened.
    """

    code = "source_api_error"

    def __init__(self, message: str, *, upstream_status: int | None = None) -> None:
        super().__init__(message)
        self.upstream_status = upstream_status


class ModelError(EmokognitionError):
    """A model file is missing or produced output of the wrong shape."""

    code = "model_error"


class NotFound(EmokognitionError):
    """A requested record does not exist."""

    code = "not_found"
    status = 404


class RequestError(EmokognitionError):
    """A service request is malformed: missing or conflicting fields, bad values."""

    code = "bad_request"
    status = 400


class Unauthorized(RequestError):
    """A bearer token is required and was missing or wrong."""

    code = "unauthorized"
    status = 401


class Unavailable(EmokognitionError):
    """A dependency (database, broker) cannot take work now; try again later.

    Attributes:
        retry_after: Seconds after which a retry may succeed.
    """

    code = "unavailable"
    status = 503

    def __init__(self, message: str, *, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class QueueFull(Unavailable):
    """The inline job pool has no room left."""

    code = "queue_full"


class TooManyStreams(Unavailable):
    """As many live streams are analysed as `EMOKOGNITION_MAX_STREAMS` allows."""

    code = "too_many_streams"


class Interrupted(Unavailable):
    """A job was stopped between batches because its process is shutting down; it goes back
    to the queue and runs again later."""

    code = "interrupted"


class WorkerLost(EmokognitionError):
    """The worker running a job died (killed, crashed) more often than the retry limit; or,
    inside a job, another worker took it over (this one's work is dropped)."""

    code = "worker_lost"
