"""kill -9 of `emokognition daemon` at the worst moments, then a restart: one record per
picture and one reply per post, on PostgreSQL named by POSTGRES_APPLICATION_CONFIG."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from emokognition.store import list_analyses
from tests.conftest import Process, empty_postgres, wait_until
from tests.sources.conftest import ORIGINAL_NAMES, BotSettings, recorded, run_once, session_of
from tests.sources.fakes import FakeApis


def _postgres_config(postgres_url: str, tmp_path: Path) -> Path:
    """The original bot's database file, naming this run's PostgreSQL database."""
    url = make_url(postgres_url)
    path = tmp_path / "postgres.json"
    config = {"host": url.host, "port": url.port, "user": url.username, "dbname": url.database}
    path.write_text(json.dumps(config))
    return path


def _env(fake: FakeApis, tmp_path: Path, config: Path, credentials: Path) -> dict[str, str]:
    originals = {n.lower() for n in ORIGINAL_NAMES} | {"postgres_application_config"}
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("EMOKOGNITION_") and k.lower() not in originals
    }
    env.update(
        {
            "POSTGRES_APPLICATION_CONFIG": str(config),
            "TWITTER_APPLICATION_CREDENTIALS": str(credentials),
            "EMOKOGNITION_TWITTER_API_BASE": fake.url,
            "EMOKOGNITION_ALLOW_PRIVATE_API_MEDIA": "true",
            "EMOKOGNITION_DATA_DIR": str(tmp_path / "data"),
            "EMOKOGNITION_THREADS": "1",
            "EMOKOGNITION_JOB_LEASE": "1",
            "EMOKOGNITION_BOT_BACKOFF_BASE": "0.01",
        }
    )
    return env


@pytest.mark.parametrize(
    "held",
    # While posting the first reply; after the second post's first picture was analysed.
    ["tweet", "/media/group.jpg"],
)
def test_kill_9_then_restart_records_and_replies_once(
    fake: FakeApis,
    bot_settings: BotSettings,
    twitter_credentials: Path,
    postgres_url: str,
    tmp_path: Path,
    held: str,
) -> None:
    empty_postgres(postgres_url)
    fake.add_tweet(801, "ann", [("k1", "photo", "face.jpg")])
    fake.add_tweet(802, "bob", [("k2a", "photo", "face.jpg"), ("k2b", "photo", "group.jpg")])
    config = _postgres_config(postgres_url, tmp_path)
    fake.hold(held)
    daemon = Process(
        ["daemon", "--source", "twitter", "--once"],
        _env(fake, tmp_path, config, twitter_credentials),
        tmp_path / "daemon.log",
    )
    try:
        wait_until(lambda: fake.waiting[held] >= 1, timeout=60, what=f"a request to {held}")
        daemon.kill()
    finally:
        daemon.stop(timeout=3)
    fake.release()

    settings = bot_settings(database_url="", postgres_application_config=config)
    assert settings.database_url.startswith("postgresql+psycopg://")
    run_once(settings)

    replies = [r["reply"]["in_reply_to_tweet_id"] for r in fake.replies()]
    assert sorted(replies) == ["801", "802"]  # the killed one included: never a second
    assert [len(recorded(settings, "twitter", p)) for p in ("801", "802")] == [1, 2]
    if held == "tweet":
        first = recorded(settings, "twitter", "801")[0]
        assert first.reply_claimed_at is not None and first.reply_id is None
    else:
        assert fake.hits["media"] == 4  # only the picture held at the kill comes again
    assert all(p.reply_id for p in recorded(settings, "twitter", "802"))
    with session_of(settings) as session:
        assert list_analyses(session=session, source="twitter").total == 3  # none orphaned
