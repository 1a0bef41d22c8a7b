"""What store functions return: frozen snapshots, never live ORM rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from emokognition.emotions import EMOTIONS

STATUSES = ("queued", "running", "done", "failed")
"""An analysis is queued, then running, then done or failed (running again after a lost worker)."""


@dataclass(frozen=True, slots=True)
class JobError:
    """Why an analysis failed: an `EmokognitionError` code and its message."""

    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a video's analysis has got: frames decoded (`done`) of the video's (`total`)."""

    done: int
    total: int

    def __post_init__(self) -> None:
        if not 0 <= self.done <= self.total:
            raise ValueError(f"progress must be 0 <= done <= total, got {self.done}/{self.total}")

    def to_dict(self) -> dict[str, int]:
        return {"done": self.done, "total": self.total}


@dataclass(frozen=True, slots=True)
class Analysis:
    """One analysis as recorded.

    Attributes:
        id: 32 hex characters.
        status: One of `STATUSES`.
        source: Where the media came from ("upload", "url", "twitter", ...).
        kind: "image" or "video"; None until known (a URL not yet downloaded).
        detector: The detector asked for, None for the default.
        classifier: The classifier asked for, None for the default (the result names the one
            that was used).
        url: The URL to download, for URL analyses.
        media_sha256: The stored media's digest, once stored.
        lease_until: While running: when its worker counts as lost unless it renews the lease.
        attempts: How many times a worker took the job.
        error: Why it failed, when failed.
        result: The result contract, when done.
        progress: A video's frames done of all, as its job last reported (kept once done).
    """

    id: str
    status: str
    source: str
    kind: str | None
    detector: str | None
    classifier: str | None
    url: str | None
    media_sha256: str | None
    media_format: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    lease_until: datetime | None
    attempts: int
    faces: int | None
    error: JobError | None
    result: dict[str, Any] | None = field(default=None, repr=False)
    progress: Progress | None = None

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")


@dataclass(frozen=True, slots=True)
class Page:
    """A page of analyses, newest first, and how many match in all."""

    items: tuple[Analysis, ...]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class Stats:
    """Face counts by main and alternative emotion; every emotion present, 0 where none."""

    faces: int
    main: dict[str, int]
    alternative: dict[str, int]

    def __post_init__(self) -> None:
        for name, counts in (("main", self.main), ("alternative", self.alternative)):
            if tuple(counts) != EMOTIONS:
                raise ValueError(f"{name} must be keyed {EMOTIONS}, got {tuple(counts)}")

    def to_dict(self) -> dict[str, Any]:
        return {"faces": self.faces, "main": self.main, "alternative": self.alternative}


@dataclass(frozen=True, slots=True)
class SourcePost:
    """A post whose media was analysed; unique per (source, post_id, media_key).

    Attributes:
        analysis_id: The emotion analysis; None for the landmark bot.
        created: True when this call recorded it, False when it was already there.
        landmark: The landmark bot's result: {"name", "score", "mid"}, {} when none.
        reply_claimed_at: When a reply was about to be sent (it is never sent twice).
        reply_id: The reply's post id, once it was sent.
    """

    source: str
    post_id: str
    media_key: str
    account: str | None
    analysis_id: str | None
    created_at: datetime
    created: bool
    landmark: dict[str, Any] | None = None
    reply_claimed_at: datetime | None = None
    reply_id: str | None = None
    replied_at: datetime | None = None
