"""The Twitter/X credentials file: what it must hold, and the reply with a user access token."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from emokognition.errors import ConfigError, SourceAuthError
from emokognition.sources.credentials import TwitterCredentials
from tests.sources.conftest import BotSettings, run_once
from tests.sources.fakes import BEARER, BOT_USER_ID, USER_TOKEN, FakeApis


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read TWITTER_APPLICATION_CREDENTIALS"),
        ("{not json", "cannot read TWITTER_APPLICATION_CREDENTIALS"),
        ("[1, 2]", "must hold a JSON object"),
        ('{"user_id": "1"}', "needs bearer_token and user_id (or username)"),
        ('{"bearer_token": "b"}', "needs bearer_token and user_id (or username)"),
    ],
)
def test_a_bad_file_is_a_config_error(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "twitter.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        TwitterCredentials.load(path)
    with pytest.raises(ConfigError, match="set TWITTER_APPLICATION_CREDENTIALS"):
        TwitterCredentials.load(None)


def test_secrets_stay_out_of_repr_and_replies_need_write_keys(tmp_path: Path) -> None:
    path = tmp_path / "twitter.json"
    path.write_text(json.dumps({"bearer_token": "very-secret", "user_id": 7}))
    credentials = TwitterCredentials.load(path)
    assert credentials.user_id == "7"
    assert "very-secret" not in repr(credentials)
    with pytest.raises(SourceAuthError, match="or run with --no-reply"):
        credentials.writing()


def test_user_id_and_user_access_token(
    fake: FakeApis,
    bot_settings: BotSettings,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    path = tmp_path / "user-token.json"
    path.write_text(
        json.dumps(
            {"bearer_token": BEARER, "user_id": BOT_USER_ID, "user_access_token": USER_TOKEN}
        )
    )
    fake.add_tweet(1001, "ann", [("u1", "photo", "face.jpg")])

    with caplog.at_level(logging.DEBUG):
        run_once(bot_settings(twitter_application_credentials=path))

    assert fake.hits["user"] == 0  # the id is known: no lookup
    assert [r.headers["Authorization"] for r in fake.requests_to("tweet")] == [
        f"Bearer {USER_TOKEN}"
    ]
    assert len(fake.replies()) == 1
    assert BEARER not in caplog.text and USER_TOKEN not in caplog.text
