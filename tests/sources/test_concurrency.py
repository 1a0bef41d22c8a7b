"""Mentions handled at once: a slow media host stalls only its own conversation, and the
cursor never moves past a mention that is not done."""

from __future__ import annotations

import threading

from tests.conftest import wait_until
from tests.sources.conftest import BotSettings, cursor, recorded, run_once
from tests.sources.fakes import BOT_USER_ID, FakeApis


def _replied(fake: FakeApis) -> list[str]:
    return [r["reply"]["in_reply_to_tweet_id"] for r in fake.replies()]


def test_a_slow_picture_holds_its_conversation_and_the_cursor_not_the_others(
    fake: FakeApis, bot_settings: BotSettings
) -> None:
    fake.files["slow.jpg"] = fake.files["face.jpg"]
    fake.add_tweet(701, "ann", [("m701", "photo", "slow.jpg")])
    fake.add_tweet(702, "bob", [("m702", "photo", "face.jpg")], conversation=701)  # in 701's
    for post in range(703, 707):
        fake.add_tweet(post, "cid", [(f"m{post}", "photo", "face.jpg")])
    fake.hold("/media/slow.jpg")
    settings = bot_settings()
    daemon = threading.Thread(target=run_once, args=(settings,))
    daemon.start()
    try:
        wait_until(lambda: len(fake.replies()) == 4, timeout=60, what="the other replies")
        # The four other conversations were answered while 701 waits for its picture; 702,
        # in 701's conversation, waits behind it, and the cursor stays before 701.
        assert sorted(_replied(fake)) == ["703", "704", "705", "706"]
        assert fake.waiting["/media/slow.jpg"] == 1
        assert recorded(settings, "twitter", "702") == ()
        assert cursor(settings, "twitter", BOT_USER_ID) is None
    finally:
        fake.release()
        daemon.join(60)
    assert _replied(fake)[4:] == ["701", "702"]  # in the conversation's order
    assert cursor(settings, "twitter", BOT_USER_ID) == "706"
    assert [len(recorded(settings, "twitter", str(p))) for p in range(701, 707)] == [1] * 6


def test_one_at_a_time_when_asked(fake: FakeApis, bot_settings: BotSettings) -> None:
    fake.files["slow.jpg"] = fake.files["face.jpg"]
    fake.add_tweet(711, "ann", [("m711", "photo", "slow.jpg")])
    fake.add_tweet(712, "bob", [("m712", "photo", "face.jpg")])
    fake.hold("/media/slow.jpg")
    settings = bot_settings(bot_concurrency=1)
    daemon = threading.Thread(target=run_once, args=(settings,))
    daemon.start()
    try:
        wait_until(lambda: fake.waiting["/media/slow.jpg"] == 1, timeout=60, what="the download")
        assert fake.hits["media"] == 1 and fake.replies() == []
    finally:
        fake.release()
        daemon.join(60)
    assert _replied(fake) == ["711", "712"]
