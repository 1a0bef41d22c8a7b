"""Faults of the APIs and of their payloads: waited out, backed off, stopped on, or skipped."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from emokognition.cli import main
from emokognition.config import get_settings
from emokognition.errors import SourceAPIError, Unavailable
from emokognition.sources import create_daemon
from tests.sources.conftest import BotSettings, cursor, recorded, run_once
from tests.sources.fakes import BEARER, BOT_USER_ID, Failure, FakeApis


@pytest.fixture
def bot_settings(bot_settings: BotSettings) -> BotSettings:
    """One mention at a time: each scripted failure meets the mention it is written for."""
    return lambda **overrides: bot_settings(**{"bot_concurrency": 1, **overrides})


def test_429_waits_for_the_reset_and_goes_on(fake: FakeApis, bot_settings: BotSettings) -> None:
    fake.add_tweet(201, "ann", [("m1", "photo", "face.jpg")])
    reset = str(int(time.time()) + 1)
    fake.fail["mentions"] = [Failure(429, {"x-rate-limit-reset": reset})]
    fake.fail["tweet"] = [Failure(429, {"retry-after": "1"})]
    settings = bot_settings()

    run_once(settings)

    assert fake.hits["mentions"] == 3  # 429, the page, the empty poll
    assert len(fake.requests_to("tweet")) == 2  # a 429 is sure not to have posted: retried
    assert len(fake.replies()) == 2
    assert recorded(settings, "twitter", "201")[0].reply_id is not None


def test_5xx_backs_off_and_a_failed_reply_is_never_sent_twice(
    fake: FakeApis, bot_settings: BotSettings, caplog: pytest.LogCaptureFixture
) -> None:
    fake.add_tweet(202, "ann", [("m2", "photo", "face.jpg")])
    fake.fail["mentions"] = [Failure(503), Failure(502)]
    # A 5xx to a POST may come after the post was made: not retried.
    fake.fail["tweet"] = [Failure(503)]
    settings = bot_settings()

    with caplog.at_level(logging.WARNING):
        run_once(settings)

    assert fake.hits["mentions"] == 4
    assert fake.hits["tweet"] == 1
    assert "reply may or may not have been posted" in caplog.text
    post = recorded(settings, "twitter", "202")[0]
    assert post.reply_claimed_at is not None and post.reply_id is None
    assert cursor(settings, "twitter", BOT_USER_ID) == "202"

    fake.ignore_since = True  # served again: still no second try
    run_once(settings)
    assert fake.hits["tweet"] == 1


def test_tries_are_bounded(fake: FakeApis, bot_settings: BotSettings) -> None:
    fake.add_tweet(203, "ann", [("m3", "photo", "face.jpg")])
    fake.fail["mentions"] = [Failure(500)] * 10
    settings = bot_settings(bot_tries=3)

    with pytest.raises(SourceAPIError, match="HTTP 500"):
        run_once(settings)
    assert fake.hits["mentions"] == 3
    assert recorded(settings, "twitter", "203") == ()


@pytest.mark.parametrize(
    ("route", "status", "message"),
    [
        ("mentions", 401, "twitter refused the credentials (HTTP 401 on GET"),
        ("mentions", 403, "twitter refused the credentials (HTTP 403 on GET"),
        ("tweet", 401, "twitter refused the credentials (HTTP 401 on POST"),
    ],
)
def test_401_and_403_stop_with_a_clear_message_and_non_zero_exit(
    fake: FakeApis,
    bot_settings: BotSettings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    restore_logging: None,
    route: str,
    status: int,
    message: str,
) -> None:
    fake.add_tweet(204, "ann", [("m4", "photo", "face.jpg")])
    fake.fail[route] = [Failure(status)]
    settings = bot_settings()
    for name, value in {
        "EMOKOGNITION_DATA_DIR": str(settings.data_dir),
        "EMOKOGNITION_THREADS": "1",
        "TWITTER_APPLICATION_CREDENTIALS": str(settings.twitter_application_credentials),
        "EMOKOGNITION_TWITTER_API_BASE": fake.url,
        "EMOKOGNITION_ALLOW_PRIVATE_API_MEDIA": "true",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()

    code = main(["daemon", "--source", "twitter", "--once"])

    output = capsys.readouterr()
    assert code != 0
    assert message in output.err
    assert BEARER not in output.err + output.out
    assert fake.hits["tweet"] == (1 if route == "tweet" else 0)
    if route == "tweet":
        # Refused for sure: the claim is given back, the cursor stays before the post.
        post = recorded(settings, "twitter", "204")[0]
        assert post.reply_claimed_at is None and post.reply_id is None
        assert cursor(settings, "twitter", BOT_USER_ID) is None


def test_a_reply_refused_with_403_skips_that_reply_and_goes_on(
    fake: FakeApis, bot_settings: BotSettings, caplog: pytest.LogCaptureFixture
) -> None:
    """X answers 403 for one post (duplicate text, replies closed): not the credentials."""
    fake.add_tweet(205, "ann", [("m5", "photo", "face.jpg")])
    fake.add_tweet(206, "bob", [("m6", "photo", "face.jpg")])
    fake.fail["tweet"] = [Failure(403, body=b'{"detail": "duplicate content"}')]
    settings = bot_settings()

    with caplog.at_level(logging.WARNING):
        run_once(settings)

    assert "reply refused" in caplog.text and "duplicate content" in caplog.text
    assert recorded(settings, "twitter", "205")[0].reply_id is None
    assert recorded(settings, "twitter", "206")[0].reply_id is not None
    assert [r["reply"]["in_reply_to_tweet_id"] for r in fake.replies()] == ["205", "206"]
    assert cursor(settings, "twitter", BOT_USER_ID) == "206"


def test_a_reply_rate_limited_past_its_tries_is_sent_by_the_next_poll(
    fake: FakeApis, bot_settings: BotSettings
) -> None:
    fake.add_tweet(207, "ann", [("m7", "photo", "face.jpg")])
    fake.fail["tweet"] = [Failure(429, {"retry-after": "0"})] * 2
    settings = bot_settings(bot_tries=2)

    with pytest.raises(SourceAPIError, match="HTTP 429"):
        run_once(settings)
    assert cursor(settings, "twitter", BOT_USER_ID) is None  # stopped before the mention
    assert recorded(settings, "twitter", "207")[0].reply_claimed_at is None

    run_once(settings)
    assert fake.hits["tweet"] == 3  # two refused by the rate limit, then the reply
    (post,) = recorded(settings, "twitter", "207")
    assert post.reply_id is not None
    assert cursor(settings, "twitter", BOT_USER_ID) == "207"


def test_a_media_host_failing_for_a_moment_is_tried_again(
    fake: FakeApis, bot_settings: BotSettings
) -> None:
    fake.add_tweet(208, "ann", [("m8", "photo", "face.jpg")])
    fake.fail["media"] = [Failure(503), Failure(429)]
    settings = bot_settings()

    run_once(settings)

    assert fake.hits["media"] == 3
    assert recorded(settings, "twitter", "208")[0].analysis_id is not None
    assert len(fake.replies()) == 1


def _missing_includes(fake: FakeApis) -> None:
    fake.add_tweet(301, "bad", [("bad", "photo", "face.jpg")])
    fake.drop_includes = True


def _malformed_url(fake: FakeApis) -> None:
    fake.add_tweet(301, "bad", [("bad", "photo", "face.jpg")])
    fake.media["bad"]["url"] = "http://[::1/face.jpg"


def _media(name: str | None, kind: str = "photo") -> Callable[[FakeApis], None]:
    def script(fake: FakeApis) -> None:
        fake.add_tweet(301, "bad", [("bad", kind, name)])

    return script


@pytest.mark.parametrize(
    ("script", "reason"),
    [
        (_missing_includes, "media missing from the payload's includes"),
        (_media("gone.jpg"), "download failed: HTTP 404"),
        (_media("text.txt"), "photo is not an image"),
        (_media("huge.jpg"), "bytes (limit 1,000,000)"),
        (_media(None, kind="video"), "video without preview_image_url"),
        (_malformed_url, "malformed URL"),
    ],
    ids=["missing-includes", "media-404", "not-an-image", "oversized", "no-preview", "bad-url"],
)
def test_malformed_mentions_are_skipped_with_a_reason(
    fake: FakeApis,
    bot_settings: BotSettings,
    caplog: pytest.LogCaptureFixture,
    script: Callable[[FakeApis], None],
    reason: str,
) -> None:
    script(fake)
    settings = bot_settings()

    with caplog.at_level(logging.WARNING):
        run_once(settings)

    assert "twitter post 301 media bad skipped: " in caplog.text
    assert reason in caplog.text
    assert recorded(settings, "twitter", "301") == ()
    assert fake.replies() == []
    assert cursor(settings, "twitter", BOT_USER_ID) == "301"  # passed, never looped on
    assert fake.hits["mentions"] == 2

    # The next mention is answered as usual.
    fake.drop_includes = False
    fake.add_tweet(302, "good", [("good", "photo", "face.jpg")])
    run_once(settings)
    assert [r["reply"]["in_reply_to_tweet_id"] for r in fake.replies()] == ["302"]


def test_rate_limit_reset_headers() -> None:
    import httpx

    from emokognition.sources.http import rate_limit_wait

    now = 1_000_000.0
    iso = (datetime.fromtimestamp(now, UTC) + timedelta(seconds=30)).isoformat()
    assert rate_limit_wait(httpx.Headers({"x-rate-limit-reset": "1000012"}), now=now) == 12
    assert rate_limit_wait(httpx.Headers({"X-RateLimit-Reset": iso}), now=now) == 30
    assert rate_limit_wait(httpx.Headers({"Retry-After": "7"}), now=now) == 7
    assert rate_limit_wait(httpx.Headers({"x-rate-limit-reset": "999990"}), now=now) == 0
    assert rate_limit_wait(httpx.Headers({}), now=now) == 60


def test_media_on_private_addresses_is_refused_unless_allowed_and_kept_for_then(
    fake: FakeApis, bot_settings: BotSettings
) -> None:
    fake.add_tweet(400, "ann", [("m4", "photo", "face.jpg")])
    settings = bot_settings()
    run_once(settings)
    fake.add_tweet(401, "ann", [("m5", "photo", "face.jpg")])
    refusing = settings.model_copy(update={"allow_private_api_media": False})

    with create_daemon(refusing, "twitter", once=True) as daemon, pytest.raises(Unavailable) as e:
        daemon.run()

    assert "resolves to a non-public address" in e.value.message
    assert "not moving past this mention" in e.value.message
    assert fake.hits["media"] == 1 and recorded(settings, "twitter", "401") == ()
    assert cursor(settings, "twitter", BOT_USER_ID) == "400"  # 401 is not lost
    # Allowed again: the mention is analysed and answered.
    run_once(settings)
    assert len(recorded(settings, "twitter", "401")) == 1
    assert [r["reply"]["in_reply_to_tweet_id"] for r in fake.replies()] == ["400", "401"]
