"""The emotion bot on Mastodon: mention notifications, image attachments, replies that keep
the original's visibility."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from emokognition.cli import main
from emokognition.config import get_settings
from emokognition.store import get_stats
from tests.sources.conftest import BotSettings, cursor, recorded, run_once, session_of
from tests.sources.fakes import BOT_USERNAME, MASTODON_TOKEN, Failure, FakeApis


def _script(fake: FakeApis) -> None:
    fake.add_notification(11, 501, "ann@example.social", [fake.image("a1", "face.jpg")])
    fake.add_notification(
        12,
        502,
        "bob",
        [fake.image("b1", "noface.jpg"), {"id": "b2", "type": "audio", "url": "x"}],
        visibility="direct",
    )
    fake.add_notification(
        13,
        503,
        "cid",
        [{"id": "c1", "type": "gifv", "preview_url": f"{fake.url}/media/group.jpg"}],
        visibility="public",
    )
    fake.page_size = 2  # two pages, linked by max_id


def test_mentions_are_recorded_and_replied_with_their_visibility(
    fake: FakeApis, bot_settings: BotSettings
) -> None:
    _script(fake)
    iso = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    fake.fail["notifications"] = [Failure(429, {"X-RateLimit-Reset": iso})]
    settings = bot_settings()

    run_once(settings, "mastodon")

    replies = sorted(fake.replies(), key=lambda r: r["in_reply_to_id"])  # handled at once
    assert [(r["in_reply_to_id"], r["visibility"]) for r in replies] == [
        ("501", "unlisted"),
        ("502", "direct"),
        ("503", "public"),
    ]
    assert replies[0]["status"].startswith(
        "Hey @ann@example.social! I see one face. Main emotion: "
    )
    assert replies[1]["status"] == "Hey @bob! I see no face in your picture."
    assert replies[2]["status"].startswith("Hey @cid! I see ")
    statuses = fake.requests_to("status")
    assert sorted(s.headers["Idempotency-Key"] for s in statuses) == [
        "emokognition-reply-501",
        "emokognition-reply-502",
        "emokognition-reply-503",
    ]
    assert all(s.headers["Authorization"] == f"Bearer {MASTODON_TOKEN}" for s in statuses)

    polls = fake.requests_to("notifications")
    assert polls[1].query["types[]"] == ["mention"]
    # The second page is the Link header's, still bounded by since_id when there is one.
    assert polls[2].query["max_id"] == ["12"]
    assert polls[-1].query["since_id"] == ["13"]
    assert [len(recorded(settings, "mastodon", p)) for p in ("501", "502", "503")] == [1, 1, 1]
    assert cursor(settings, "mastodon", BOT_USERNAME) == "13"
    with session_of(settings) as session:
        assert get_stats(session=session, source="mastodon").faces >= 2
        assert get_stats(session=session, source="twitter").faces == 0

    run_once(settings, "mastodon")
    assert len(fake.replies()) == 3


def test_since_id_setting_and_refused_token(
    fake: FakeApis, bot_settings: BotSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _script(fake)
    monkeypatch.setenv("EMOKOGNITION_MASTODON_SINCE_ID", "12")
    settings = bot_settings()

    run_once(settings, "mastodon")

    assert fake.requests_to("notifications")[0].query["since_id"] == ["12"]
    assert [r["in_reply_to_id"] for r in fake.replies()] == ["503"]

    from emokognition.errors import SourceAuthError

    with pytest.raises(SourceAuthError, match=r"mastodon refused the credentials \(HTTP 401"):
        run_once(bot_settings(mastodon_access_token="wrong"), "mastodon")


def test_the_command_line(
    fake: FakeApis,
    bot_settings: BotSettings,
    monkeypatch: pytest.MonkeyPatch,
    restore_logging: None,
) -> None:
    """`emokognition daemon --source mastodon --once --no-reply` with the original names."""
    _script(fake)
    settings = bot_settings()
    for name, value in {
        "EMOKOGNITION_DATA_DIR": str(settings.data_dir),
        "EMOKOGNITION_THREADS": "1",
        "MASTODON_API_BASE_URL": fake.url,
        "MASTODON_ACCESS_TOKEN": MASTODON_TOKEN,
        "EMOKOGNITION_ALLOW_PRIVATE_API_MEDIA": "true",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()

    assert main(["daemon", "--source", "mastodon", "--once", "--no-reply"]) == 0

    assert fake.replies() == []
    assert [len(recorded(settings, "mastodon", p)) for p in ("501", "502", "503")] == [1, 1, 1]
    assert cursor(settings, "mastodon", BOT_USERNAME) == "13"


def test_an_edited_status_is_not_answered_again(fake: FakeApis, bot_settings: BotSettings) -> None:
    """Mastodon sends an edit as an `update` notification of the same status: not a mention."""
    fake.add_notification(11, 501, "ann", [fake.image("a1", "face.jpg")])
    settings = bot_settings()
    run_once(settings, "mastodon")
    fake.add_notification(14, 501, "ann", [fake.image("a1", "face.jpg")])
    fake.notifications[-1]["type"] = "update"  # the server ignores types[]=mention, as some do

    run_once(settings, "mastodon")

    assert [r["in_reply_to_id"] for r in fake.replies()] == ["501"]
    assert len(recorded(settings, "mastodon", "501")) == 1
    assert fake.requests_to("notifications")[0].query["types[]"] == ["mention"]
