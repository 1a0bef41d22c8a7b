"""One `Settings` object: environment variables (prefix `EMOKOGNITION_`) and original names."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote

from pydantic import (
    AliasChoices,
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DETECTORS = ("blazeface", "haar", "dlib")
CLASSIFIERS = ("mini-xception-fer2013", "emonet32-fer2013")
# How BlazeFace searches its pyramid of scales (MIN_FACE): finer levels only where coarser ones
# call for them, or every level.
PYRAMIDS = ("adaptive", "full")


def _default_data_dir() -> Path:
    return Path.home() / ".local" / "share" / "emokognition"


class Settings(BaseSettings):
    """Runtime configuration; every field can be set as `EMOKOGNITION_<NAME>`."""

    model_config = SettingsConfigDict(
        env_prefix="EMOKOGNITION_", extra="ignore", validate_by_name=True
    )

    data_dir: Path = Field(default_factory=_default_data_dir)
    detector: str = "blazeface"
    # The emotion classifier by name (CLASSIFIERS); its name is in every result. Ours is the
    # default (FER2013 PublicTest top-1 68.9 % vs 66.5 %, FER+ agreement 75.0 % vs 68.6 %,
    # ECE 0.016 vs 0.041, ~1,250 faces/s mirrored on 2 cores); mini-xception-fer2013 is the
    # fast tier (~3x the throughput; `make eval`, `make bench`).
    classifier: str = "emonet32-fer2013"
    # BlazeFace tiles per side on photos (0: the whole image only). Two find small faces in
    # large photos (recall 0.95 -> 1.00 on ../shared/data/photos) for ~4x the detector time.
    tiles: NonNegativeInt = 0
    # BlazeFace's single input for the whole picture, longer side in pixels, instead of the
    # pyramid for MIN_FACE (0: the pyramid; with MIN_FACE=0, the trained 192).
    detect_size: NonNegativeInt = 0
    # BlazeFace looks for faces from this side up, picture pixels, at a pyramid of scales whose
    # finest grows with the picture (0: one 192 px pass at DETECT_SIZE, the default before;
    # a DETECT_SIZE wins). With PYRAMID=adaptive a finer level is searched only where a coarser
    # one half sees faces (or the coarsest sees none), so a photo whose faces the 192 px pass
    # finds costs that pass: recall 1.00 on ../shared/data/photos and 0.957 on 3000x2000
    # crowds of 16-40 px faces (one pass: 0), at the one pass's time on the benchmark photos.
    min_face: NonNegativeInt = 16
    # "adaptive", or "full": every level whatever the coarser ones saw (~10x a 1280x720 photo).
    pyramid: str = "adaptive"
    # Average each face's probabilities with its mirror image's: top-1 on FER2013 PublicTest
    # 65.5 % -> 66.5 %, for twice the classifier time (`make bench`, `make eval`).
    mirror: bool = True
    # Refuse images above this many pixels before decoding them (decompression bombs).
    max_pixels: PositiveInt = 50_000_000
    # Megabytes (MiB) the jobs of one process may hold at once for their pictures: an image
    # holds its decode's estimate while it is decoded and analysed, a video its frames (and
    # the decoder's) while it runs. Big ones take turns; one that needs more is refused. 360
    # keeps `emokognition serve` with two workers under 700 MB (`benchmarks/hostile.py`) and
    # takes a 50 MP JPEG or PNG (300-340 MB) or an 8K video (350 MB), not a 50 MP RGBA PNG
    # (430 MB; up to 40 MP).
    decode_memory_mb: PositiveInt = 360
    max_download_bytes: PositiveInt = 50 * 1024 * 1024
    download_timeout: PositiveFloat = 20.0
    # Seconds for a whole URL download (connects, redirects, every byte): the timeout above is
    # per read, and a server sending a byte a second would meet it for hours.
    download_deadline: PositiveFloat = 60.0
    allow_private_urls: bool = False
    # ONNX Runtime threads per session; 0 lets it use every core.
    threads: int = 0

    # --- the service (store, jobs, web) ---
    # SQLAlchemy URL; empty: the original POSTGRES_APPLICATION_CONFIG file when set, else a
    # SQLite file in `data_dir`. postgres:// and postgresql:// URLs get the psycopg driver.
    database_url: str = Field(default="", repr=False)
    postgres_application_config: Path | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "EMOKOGNITION_POSTGRES_APPLICATION_CONFIG", "POSTGRES_APPLICATION_CONFIG"
        ),
    )
    # Stored media (by sha256); empty: `data_dir`/media (see `_media_beside_data`).
    media_dir: Path = Field(default_factory=lambda: _default_data_dir() / "media")
    jobs: Literal["inline", "celery"] = "inline"
    broker_url: str = "redis://127.0.0.1:6379/0"
    # The Celery queue the service sends to and workers read (one per deployment).
    celery_queue: str = "emokognition"
    # Bearer tokens, comma-separated; when any is set, writes need one, and reads too unless
    # `public_reads` is set on purpose (unset: public without tokens, private with them).
    api_tokens: Annotated[tuple[str, ...], NoDecode] = Field(default=(), repr=False)
    public_reads: bool | None = None
    max_upload_bytes: PositiveInt = 50 * 1024 * 1024
    # A sync call waits this many seconds for its result, then answers 202 with the id.
    sync_timeout: PositiveFloat = 30.0
    # Inline jobs: analyses at once in the serving process, and how many more may wait.
    inline_workers: PositiveInt = 2
    inline_queue: NonNegativeInt = 32
    # A running job renews its lease every `job_lease / 3` s; a job whose lease ran out
    # belongs to a lost worker and is run again, at most `job_attempts` times in all.
    job_lease: PositiveFloat = 30.0
    job_attempts: PositiveInt = 3
    # Celery: seconds before the broker hands an unacknowledged job to another worker.
    broker_visibility_timeout: PositiveFloat = 60.0

    # --- video ---
    # Analysed frames per second when neither every N-th frame nor all frames are asked for.
    video_fps: PositiveFloat = 5.0
    # Videos longer than this many seconds are refused before they are decoded.
    max_video_seconds: PositiveFloat = 3 * 3600.0
    # Videos with more frames are refused while they are indexed, before any is decoded: a small
    # file of a million tiny frames would otherwise hold a worker for minutes (3 h at 60 fps).
    max_video_frames: PositiveInt = 648_000
    # Ray cluster for `--backend ray` ("ray://host:10001", "auto"); empty: a local Ray.
    ray_address: str = ""
    # BlazeFace tiles on video frames (0: the whole frame only). Tiles find smaller faces but
    # each costs a detector run per frame: 2 on a 16:9 frame is 4 runs instead of 1.
    video_tiles: NonNegativeInt = 0
    # MIN_FACE for video frames (0: one pass at DETECT_SIZE); PYRAMID applies alike. A frame
    # whose faces the 192 px pass finds costs that pass; one that shows none costs the next
    # level too (1280x720: 416x224), one with a crowd the finest (~1.4 megapixels).
    video_min_face: NonNegativeInt = 16

    # --- live streams (`emokognition watch`) ---
    # Seconds a stream may give nothing (to open, or between reads) before it counts as down.
    stream_timeout: PositiveFloat = 10.0
    # A stream that drops is opened again after waits of base, 2 x base, ... up to the cap
    # (small, so that it is back live soon after the stream returns), at most `tries` times.
    stream_backoff_base: PositiveFloat = 0.5
    stream_backoff_max: PositiveFloat = 4.0
    stream_reconnect_tries: NonNegativeInt = 8
    # The service: live streams analysed at once, over every server and worker (a stream
    # holds a job thread for as long as it runs), and the longest one may run, in seconds.
    max_streams: PositiveInt = 2
    stream_max_seconds: PositiveFloat = 4 * 3600.0

    # --- the bot (`emokognition daemon`), under the original bot's names where it had them ---
    bot_type: Literal["emokognition", "landmark"] = Field(
        default="emokognition",
        validation_alias=AliasChoices("EMOKOGNITION_BOT_TYPE", "TwitterBotType"),
    )
    # JSON file: bearer_token, user_id or username; consumer_key, consumer_secret, access_token,
    # access_token_secret (OAuth 1.0a) or user_access_token for replying.
    twitter_application_credentials: Path | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "EMOKOGNITION_TWITTER_APPLICATION_CREDENTIALS", "TWITTER_APPLICATION_CREDENTIALS"
        ),
    )
    twitter_api_base: str = "https://api.twitter.com"
    # The first cursor when none is stored: only mentions after this post are read.
    initial_tweet_id: str = Field(
        default="", validation_alias=AliasChoices("EMOKOGNITION_INITIAL_TWEET_ID", "InitialTweetID")
    )
    mastodon_api_base_url: str = Field(
        default="",
        validation_alias=AliasChoices(
            "EMOKOGNITION_MASTODON_API_BASE_URL", "MASTODON_API_BASE_URL"
        ),
    )
    mastodon_access_token: str = Field(
        default="",
        repr=False,
        validation_alias=AliasChoices(
            "EMOKOGNITION_MASTODON_ACCESS_TOKEN", "MASTODON_ACCESS_TOKEN"
        ),
    )
    mastodon_since_id: str = ""
    vision_api_base: str = "https://vision.googleapis.com"
    google_api_key: str = Field(
        default="",
        repr=False,
        validation_alias=AliasChoices("EMOKOGNITION_GOOGLE_API_KEY", "GOOGLE_API_KEY"),
    )
    google_application_credentials: Path | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "EMOKOGNITION_GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_APPLICATION_CREDENTIALS"
        ),
    )
    # Recognition through the service at this URL (its /api/v1/analyses); empty: in-process.
    # The service must use the bot's database, where the bot links posts to analyses.
    api_url: str = Field(
        default="", validation_alias=AliasChoices("EMOKOGNITION_API_URL", "API_URL")
    )
    # Bearer token for the service at `api_url`, when it requires one.
    api_token: str = Field(default="", repr=False)
    # Media on the configured API hosts may be downloaded from private addresses (fakes, proxies).
    allow_private_api_media: bool = False
    # Seconds between polls (without --once).
    bot_interval: NonNegativeFloat = 60.0
    # Mentions handled at once (downloads, analyses, replies), one conversation's in order: a
    # slow media host or a burst of mentions does not stall the rest.
    bot_concurrency: PositiveInt = 8
    # HTTP 429: wait until the reset time, at most this many seconds per wait.
    bot_rate_limit_max_wait: NonNegativeFloat = 900.0
    # 5xx and time-outs: waits of base, 2 x base, ... up to the cap; at most `bot_tries` tries.
    bot_backoff_base: NonNegativeFloat = 1.0
    bot_backoff_max: NonNegativeFloat = 60.0
    bot_tries: PositiveInt = 5
    bot_http_timeout: PositiveFloat = 20.0

    @field_validator("detector", "classifier", "pyramid")
    @classmethod
    def _known_name(cls, value: str, info: ValidationInfo) -> str:
        """A name among the known ones (any case, spaces around): detector, classifier or
        pyramid."""
        known = {"detector": DETECTORS, "classifier": CLASSIFIERS, "pyramid": PYRAMIDS}
        names = known[str(info.field_name)]
        name = value.strip().lower()
        if name not in names:
            raise ValueError(f"unknown {info.field_name} {value!r} ({', '.join(names)})")
        return name

    @field_validator("api_tokens", mode="before")
    @classmethod
    def _split_tokens(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(token.strip() for token in value.split(",") if token.strip())
        return value

    @field_validator("database_url")
    @classmethod
    def _use_psycopg_driver(cls, value: str) -> str:
        return _psycopg_url(value.strip())

    @model_validator(mode="before")
    @classmethod
    def _media_beside_data(cls, values: Any) -> Any:
        """`media_dir` defaults to `data_dir`/media, whatever `data_dir` is."""
        if isinstance(values, dict) and not values.get("media_dir"):
            data_dir = values.get("data_dir") or _default_data_dir()
            values = {**values, "media_dir": Path(data_dir) / "media"}
        return values

    @model_validator(mode="after")
    def _private_with_tokens(self) -> Settings:
        """Face photos are personal data: with tokens, reads are private unless opened."""
        if self.public_reads is None:
            self.public_reads = not self.api_tokens
        return self

    @model_validator(mode="after")
    def _resolve_storage(self) -> Settings:
        if not self.database_url and self.postgres_application_config is not None:
            self.database_url = _url_from_postgres_config(self.postgres_application_config)
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'emokognition.sqlite3'}"
        return self

    def sharing_cores(self) -> Settings:
        """These settings for models that share the cores with other work (jobs side by
        side, decoding): one ONNX Runtime thread per model unless `threads` is set."""
        return self if self.threads else self.model_copy(update={"threads": 1})


def _psycopg_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _url_from_postgres_config(path: Path) -> str:
    """A SQLAlchemy URL from the original bot's JSON file (host, port, user, password, dbname)."""
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read POSTGRES_APPLICATION_CONFIG {path}: {exc}") from exc
    if not isinstance(config, dict) or "dbname" not in config:
        raise ValueError(f"{path} must be a JSON object with host, port, user, password, dbname")
    user = quote(str(config.get("user", "postgres")), safe="")
    password = config.get("password")
    auth = f"{user}:{quote(str(password), safe='')}" if password else user
    host = config.get("host", "127.0.0.1")
    port = config.get("port", 5432)
    return f"postgresql+psycopg://{auth}@{host}:{port}/{quote(str(config['dbname']), safe='')}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()


__all__ = ["CLASSIFIERS", "DETECTORS", "PYRAMIDS", "Settings", "get_settings"]
