"""What a caller asks the service to analyse: `Submission`, and the post it comes from."""

from __future__ import annotations

import re
from dataclasses import dataclass

from emokognition.config import CLASSIFIERS, DETECTORS
from emokognition.errors import RequestError

SOURCE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")


@dataclass(frozen=True, slots=True)
class PostKey:
    """The social post a picture comes from: with the submission's source, its idempotency key.

    A submission that names its post is recorded with it in one transaction, once: sent again
    (its answer was lost), it gets the first analysis back and counts nothing twice.

    Attributes:
        post_id: The post's id at its source (1-128 characters).
        media_key: Which of the post's pictures (1-256 characters).
        account: The account the post mentioned, when known.
    """

    post_id: str
    media_key: str
    account: str | None = None

    def __post_init__(self) -> None:
        for name, value, limit in (
            ("post_id", self.post_id, 128),
            ("media_key", self.media_key, 256),
            ("account", self.account or "-", 256),
        ):
            if not 1 <= len(value) <= limit or not value.isprintable():
                raise RequestError(f"{name} must be 1-{limit} printable characters")


@dataclass(frozen=True, slots=True)
class Submission:
    """What to analyse: uploaded bytes or a URL (exactly one), with options.

    Attributes:
        data: The uploaded file's bytes.
        url: An http(s) URL to download in the job.
        detector: "blazeface", "haar" or "dlib"; None for the configured default.
        source: Where the media comes from: "upload", "url", "twitter", ...
        classifier: One of `CLASSIFIERS`; None for the configured default.
        post: The post an uploaded picture comes from (needs `source`).
    """

    data: bytes | None = None
    url: str | None = None
    detector: str | None = None
    source: str | None = None
    classifier: str | None = None
    post: PostKey | None = None

    def __post_init__(self) -> None:
        if (self.data is None) == (self.url is None):
            raise RequestError("give either a file or a url, not both and not neither")
        if self.detector is not None and self.detector not in DETECTORS:
            raise RequestError(f"unknown detector {self.detector!r} ({', '.join(DETECTORS)})")
        if self.classifier is not None and self.classifier not in CLASSIFIERS:
            raise RequestError(f"unknown classifier {self.classifier!r} ({', '.join(CLASSIFIERS)})")
        if self.source is not None and not SOURCE_PATTERN.match(self.source):
            raise RequestError(
                "source must be 1-64 letters, digits, '_', '.', ':' or '-', "
                "starting with a letter or digit"
            )
        if self.post is not None and (self.source is None or self.data is None):
            raise RequestError("post_id and media_key go with an uploaded file and its source")
