"""The emotion bot on Twitter/X: real photos through the fake API v2, recorded and replied once."""

from __future__ import annotations

from collections import Counter

import pytest

from emokognition.config import Settings
from emokognition.emotions import EMOTIONS
from emokognition.store import get_analysis, get_stats, set_cursor
from tests.sources.conftest import BotSettings, cursor, recorded, run_once, session_of
from tests.sources.fakes import BOT_USER_ID, FakeApis


def _script_mentions(fake: FakeApis) -> None:
    fake.add_tweet(101, "ann", [("3_101", "photo", "face.jpg")])
    fake.add_tweet(
        102, "bob", [("3_102a", "photo", "group.jpg"), ("3_102b", "photo", "noface.jpg")]
    )
    fake.add_tweet(103, "cid")  # no media: nothing to do
    fake.add_tweet(104, "dee", [("7_104", "video", "face.jpg")])  # a video's preview image
    fake.add_tweet(105, "eve", [("3_105", "photo", "noface.jpg")])
    fake.page_size = 2  # three pages, followed by next_token


def _results(settings: Settings, post_id: str) -> list[dict[str, object]]:
    with session_of(settings) as session:
        analyses = [
            get_analysis(session=session, analysis_id=post.analysis_id or "")
            for post in recorded(settings, "twitter", post_id)
        ]
    assert all(a.status == "done" and a.source == "twitter" for a in analyses)
    return [a.result or {} for a in analyses]


def _top(results: list[dict[str, object]], field: str) -> str:
    counts: Counter[str] = Counter()
    for result in results:
        counts.update(result["summary"][field])  # type: ignore[index]
    return counts.most_common(1)[0][0]


def test_mentions_are_analysed_recorded_and_replied_once(
    fake: FakeApis, bot_settings: BotSettings, database_url: str
) -> None:
    _script_mentions(fake)
    settings = bot_settings(database_url=database_url)

    run_once(settings)

    # Mentions of different conversations are handled at once: replies come in any order.
    replies = sorted(fake.replies(), key=lambda r: r["reply"]["in_reply_to_tweet_id"])
    assert [r["reply"]["in_reply_to_tweet_id"] for r in replies] == ["101", "102", "104", "105"]
    texts = [r["text"] for r in replies]
    ann = _results(settings, "101")
    assert texts[0] == (
        f"Hey @ann! I see one face. Main emotion: {_top(ann, 'main')}; "
        f"alternative: {_top(ann, 'alternative')}."
    )
    bob = _results(settings, "102")
    faces = sum(r["summary"]["faces"] for r in bob)  # type: ignore[index]
    assert faces >= 5
    assert texts[1].startswith(f"Hey @bob! I see {faces} faces. Main emotion: {_top(bob, 'main')}")
    assert texts[2].startswith("Hey @dee! I see one face. Main emotion: ")
    assert texts[3] == "Hey @eve! I see no face in your picture."
    assert all(any(e in t for e in EMOTIONS) for t in texts[:3])
    # Replies are signed with OAuth 1.0a (the credentials file has the four keys).
    assert all(r.headers["Authorization"].startswith("OAuth ") for r in fake.requests_to("tweet"))

    counts = [len(recorded(settings, "twitter", str(p))) for p in range(101, 106)]
    assert counts == [1, 2, 0, 1, 1]
    posts = recorded(settings, "twitter", "102")
    assert all(p.reply_id and p.reply_claimed_at and p.account == BOT_USER_ID for p in posts)
    assert cursor(settings, "twitter", BOT_USER_ID) == "105"
    with session_of(settings) as session:
        assert get_stats(session=session, source="twitter").faces == faces + 2
        assert get_stats(session=session, source="mastodon").faces == 0

    mentions = fake.requests_to("mentions")
    first = mentions[0].query
    assert "since_id" not in first
    assert first["expansions"] == ["attachments.media_keys,author_id"]
    assert first["media.fields"] == ["url,type,preview_image_url"]
    assert first["max_results"] == ["100"]
    assert [m.query.get("pagination_token") for m in mentions[:3]] == [None, ["2"], ["4"]]
    assert mentions[-1].query["since_id"] == ["105"]  # polled again: nothing new, exit

    # A restart finds nothing new: no second record, no second reply.
    run_once(settings)
    assert len(fake.replies()) == 4
    assert len(recorded(settings, "twitter", "102")) == 2


def test_the_same_mentions_served_again_are_not_recorded_or_replied_twice(
    fake: FakeApis, bot_settings: BotSettings
) -> None:
    _script_mentions(fake)
    settings = bot_settings()
    run_once(settings)
    media = fake.hits["media"]
    # The cursor is lost and the API ignores since_id: every mention comes again.
    fake.ignore_since = True
    with session_of(settings) as session:
        set_cursor(session=session, source="twitter", account=BOT_USER_ID, value="1")

    run_once(settings)

    assert len(fake.replies()) == 4
    assert fake.hits["media"] == media  # recorded media are not even downloaded again
    assert [len(recorded(settings, "twitter", p)) for p in ("101", "102", "105")] == [1, 2, 1]
    assert cursor(settings, "twitter", BOT_USER_ID) == "105"


def test_an_edited_post_is_the_same_post_recorded_and_answered_once(
    fake: FakeApis, bot_settings: BotSettings
) -> None:
    fake.add_tweet(101, "ann", [("3_101", "photo", "face.jpg")])
    settings = bot_settings()
    run_once(settings)
    # Ann edits her post (a new id); Bob posts and edits his before the bot polls again.
    fake.add_tweet(107, "ann", [("3_101", "photo", "face.jpg")], edit_of=101)
    fake.add_tweet(108, "bob", [("3_108", "photo", "group.jpg")])
    fake.add_tweet(109, "bob", [("3_108", "photo", "group.jpg")], edit_of=108)

    run_once(settings)

    assert [r["reply"]["in_reply_to_tweet_id"] for r in fake.replies()] == ["101", "108"]
    assert [len(recorded(settings, "twitter", p)) for p in ("101", "107", "108", "109")] == [
        1,
        0,
        1,
        0,
    ]
    assert cursor(settings, "twitter", BOT_USER_ID) == "109"


def test_initial_tweet_id_starts_after_that_post(
    fake: FakeApis, bot_settings: BotSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _script_mentions(fake)
    monkeypatch.setenv("InitialTweetID", "102")
    settings = bot_settings()
    assert settings.initial_tweet_id == "102"

    run_once(settings, reply=False)

    assert fake.requests_to("mentions")[0].query["since_id"] == ["102"]
    assert fake.replies() == []  # --no-reply
    assert recorded(settings, "twitter", "102") == ()
    assert len(recorded(settings, "twitter", "104")) == 1
    assert recorded(settings, "twitter", "104")[0].reply_claimed_at is None
