"""The landmark bot: Google Vision (fake) by API key or service account; results recorded,
replied, and listed by the API."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient

from emokognition.config import Settings
from emokognition.errors import SourceAPIError, SourceAuthError
from emokognition.web import create_app
from tests.sources.conftest import BotSettings, cursor, recorded, run_once
from tests.sources.fakes import BOT_USER_ID, GOOGLE_ACCESS_TOKEN, GOOGLE_KEY, Failure, FakeApis


@pytest.fixture
def bot_settings(bot_settings: BotSettings) -> BotSettings:
    """One mention at a time: each scripted failure meets the mention it is written for."""
    return lambda **overrides: bot_settings(**{"bot_concurrency": 1, **overrides})


def _service_account_file(tmp_path: Path, token_uri: str) -> Path:
    """A service account file with a fresh RSA key; its token_uri is the fake's."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    path = tmp_path / "service-account.json"
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "test-project",
                "private_key_id": "k1",
                "private_key": pem,
                "client_email": "bot@test-project.iam.gserviceaccount.com",
                "client_id": "1",
                "token_uri": token_uri,
            }
        )
    )
    return path


@pytest.mark.parametrize("auth", ["api-key", "service-account"])
def test_landmarks_are_recorded_replied_and_listed(
    fake: FakeApis, bot_settings: BotSettings, tmp_path: Path, auth: str
) -> None:
    fake.add_tweet(601, "ann", [("l1", "photo", "group.jpg")])
    fake.add_tweet(602, "bob", [("l2", "photo", "noface.jpg")])
    if auth == "api-key":
        settings = bot_settings(google_api_key=GOOGLE_KEY)
    else:
        account = _service_account_file(tmp_path, f"{fake.url}/token")
        settings = bot_settings(google_application_credentials=account)

    run_once(settings, bot="landmark", reply=False)

    assert fake.replies() == []
    assert recorded(settings, "twitter", "601")[0].landmark == {
        "name": "Eiffel Tower",
        "score": 0.93,
        "mid": "/m/02j81",
    }
    assert recorded(settings, "twitter", "601")[0].analysis_id is None

    annotates = fake.requests_to("annotate")
    assert annotates[0].body["requests"][0]["features"] == [
        {"type": "LANDMARK_DETECTION", "maxResults": 1}
    ]
    if auth == "api-key":
        assert annotates[0].headers["X-Goog-Api-Key"] == GOOGLE_KEY
        assert fake.hits["token"] == 0
    else:
        assert annotates[0].headers["Authorization"] == f"Bearer {GOOGLE_ACCESS_TOKEN}"
        assert fake.hits["token"] == 1  # one token for every call while it is valid
    _listed(settings)


def _listed(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        body = client.get("/api/v1/landmarks", params={"source": "twitter"}).json()
        assert client.get("/api/v1/landmarks", params={"source": "mastodon"}).json()["items"] == []
    names = {item["post_id"]: item["name"] for item in body["items"]}
    assert names == {"601": "Eiffel Tower", "602": "Eiffel Tower"}
    assert body["items"][0]["score"] == 0.93


def test_replies_name_the_landmark_or_say_there_is_none(
    fake: FakeApis, bot_settings: BotSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.add_tweet(611, "ann", [("l1", "photo", "group.jpg")])
    monkeypatch.setenv("TwitterBotType", "landmark")
    monkeypatch.setenv("GOOGLE_API_KEY", GOOGLE_KEY)
    settings = bot_settings()
    assert settings.bot_type == "landmark"

    run_once(settings)
    fake.landmark = None
    fake.add_tweet(612, "bob", [("l2", "photo", "noface.jpg")])
    run_once(settings)

    assert [r["text"] for r in fake.replies()] == [
        "Hey @ann! That should be Eiffel Tower!",
        "Hey @bob! I recognised no landmark in your picture.",
    ]
    assert recorded(settings, "twitter", "612")[0].landmark == {}


def test_a_refused_key_stops_the_bot(
    fake: FakeApis, bot_settings: BotSettings, caplog: pytest.LogCaptureFixture
) -> None:
    fake.add_tweet(621, "ann", [("l1", "photo", "group.jpg")])
    settings = bot_settings(google_api_key="wrong-key")

    with (
        caplog.at_level(logging.DEBUG),
        pytest.raises(SourceAuthError, match=r"vision refused the credentials \(HTTP 403") as info,
    ):
        run_once(settings, bot="landmark")
    assert recorded(settings, "twitter", "621") == ()
    assert fake.requests_to("annotate")[0].headers.get("x-goog-api-key") == "wrong-key"
    assert "wrong-key" not in str(info.value) + caplog.text  # sent, never shown


def test_vision_down_stops_before_the_mention_and_a_bad_picture_is_skipped(
    fake: FakeApis, bot_settings: BotSettings, caplog: pytest.LogCaptureFixture
) -> None:
    fake.add_tweet(631, "ann", [("l1", "photo", "group.jpg")])
    settings = bot_settings(google_api_key=GOOGLE_KEY, bot_tries=2)
    fake.fail["annotate"] = [Failure(503), Failure(503)]

    with pytest.raises(SourceAPIError, match="HTTP 503"):
        run_once(settings, bot="landmark")
    assert recorded(settings, "twitter", "631") == ()
    assert cursor(settings, "twitter", BOT_USER_ID) is None  # tried again next time

    fake.image_error = "Bad image data."
    fake.add_tweet(632, "bob", [("l2", "photo", "face.jpg")])
    with caplog.at_level(logging.WARNING):
        run_once(settings, bot="landmark")
    assert "twitter post 631 media l1 skipped: vision: Bad image data." in caplog.text
    assert recorded(settings, "twitter", "632") == ()
    assert cursor(settings, "twitter", BOT_USER_ID) == "632"
    assert fake.replies() == []
