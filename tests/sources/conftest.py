"""Bot fixtures: the fake APIs on 127.0.0.1, credentials files, settings that point at them."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from emokognition.config import Settings, get_settings
from emokognition.sources import Daemon, create_daemon
from emokognition.store import Database, SourcePost, find_post_media, get_cursor
from tests.conftest import GROUP_PHOTO
from tests.shared import PHOTOS, SAMPLE_PHOTO
from tests.sources.fakes import BEARER, BOT_USERNAME, MASTODON_TOKEN, FakeApis

# The original bot's names, which have no EMOKOGNITION_ prefix.
ORIGINAL_NAMES = (
    "TwitterBotType",
    "TWITTER_APPLICATION_CREDENTIALS",
    "InitialTweetID",
    "API_URL",
    "MASTODON_API_BASE_URL",
    "MASTODON_ACCESS_TOKEN",
    "GOOGLE_API_KEY",
    "GOOGLE_APPLICATION_CREDENTIALS",
)
# Small enough that the oversized file exceeds it, large enough for the real photos.
MAX_BYTES = 1_000_000


@pytest.fixture(autouse=True)
def _clean_environ(clean_environ: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Bot tests never read the caller's EMOKOGNITION_* or original bot variables."""
    for name in ORIGINAL_NAMES:
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):
        if name.lower() in {n.lower() for n in ORIGINAL_NAMES}:
            monkeypatch.delenv(name)


@pytest.fixture
def fake() -> Iterator[FakeApis]:
    with FakeApis() as server:
        server.files = {
            "face.jpg": SAMPLE_PHOTO.read_bytes(),
            "group.jpg": GROUP_PHOTO.read_bytes(),
            "noface.jpg": (PHOTOS / "horses_noface.jpg").read_bytes(),
            "text.txt": b"just some text, no picture at all",
            "huge.jpg": b"\xff\xd8\xff\xe0" + bytes(MAX_BYTES + 10),
        }
        yield server


@pytest.fixture
def twitter_credentials(tmp_path: Path) -> Path:
    """OAuth 1.0a keys for replies, a username to resolve (placeholders, not secrets)."""
    path = tmp_path / "twitter.json"
    path.write_text(
        json.dumps(
            {
                "bearer_token": BEARER,
                "username": BOT_USERNAME,
                "consumer_key": "ck",
                "consumer_secret": "cs",
                "access_token": "at",
                "access_token_secret": "ats",
            }
        )
    )
    return path


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """`emokognition daemon` installs its own log handler on the root logger."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    quieted = {name: logging.getLogger(name).level for name in ("httpx", "httpcore", "alembic")}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in quieted.items():
        logging.getLogger(name).setLevel(old)
    get_settings.cache_clear()


BotSettings = Callable[..., Settings]


@pytest.fixture
def bot_settings(tmp_path: Path, fake: FakeApis, twitter_credentials: Path) -> BotSettings:
    """Settings on a SQLite file (or `database_url=`), pointing at the fakes; fast retries."""

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "data_dir": tmp_path / "data",
            "threads": 1,
            "twitter_application_credentials": twitter_credentials,
            "twitter_api_base": fake.url,
            "mastodon_api_base_url": fake.url,
            "mastodon_access_token": MASTODON_TOKEN,
            "vision_api_base": fake.url,
            "allow_private_api_media": True,
            "max_download_bytes": MAX_BYTES,
            "bot_backoff_base": 0.01,
            "bot_backoff_max": 0.05,
            "bot_rate_limit_max_wait": 0.3,
            "bot_http_timeout": 5.0,
            "bot_interval": 0.0,
            "job_lease": 2.0,
        }
        values.update(overrides)
        return Settings(**values)

    return make


def run_once(settings: Settings, source: str = "twitter", **options: Any) -> Daemon:
    """`emokognition daemon --source SOURCE --once` in this process; returns the daemon."""
    with create_daemon(settings, source, once=True, **options) as daemon:  # type: ignore[arg-type]
        assert daemon.run() == 0
    return daemon


@contextmanager
def session_of(settings: Settings) -> Iterator[Session]:
    """A session on the settings' database, disposed of afterwards."""
    database = Database(settings.database_url)
    try:
        with database.session() as session:
            yield session
    finally:
        database.dispose()


def recorded(settings: Settings, source: str, post_id: str) -> tuple[SourcePost, ...]:
    with session_of(settings) as session:
        return find_post_media(session=session, source=source, post_id=post_id)


def cursor(settings: Settings, source: str, account: str) -> str | None:
    with session_of(settings) as session:
        return get_cursor(session=session, source=source, account=account)
