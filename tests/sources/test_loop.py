"""Without --once the daemon keeps polling: failed polls are logged and tried again later."""

from __future__ import annotations

import logging

import pytest

from emokognition.app import create_local_service
from emokognition.sources import Daemon, DaemonOptions, create_source
from emokognition.sources.recognition import LocalRecognizer
from tests.sources.conftest import BotSettings, recorded
from tests.sources.fakes import Failure, FakeApis


class Stop(Exception):
    pass


def test_a_failed_poll_is_tried_again_after_the_interval(
    fake: FakeApis, bot_settings: BotSettings, caplog: pytest.LogCaptureFixture
) -> None:
    fake.add_tweet(901, "ann", [("p1", "photo", "face.jpg")])
    fake.fail["mentions"] = [Failure(500)] * 2  # both tries of the first poll
    settings = bot_settings(bot_tries=2)
    service = create_local_service(settings)
    service.migrate()
    pauses: list[float] = []

    def sleep(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) == 3:
            raise Stop

    daemon = Daemon(
        source=create_source("twitter", settings),
        ledger=service.ledger(),
        settings=settings,
        options=DaemonOptions(interval=7.0),
        recognizer=LocalRecognizer(service),
        sleep=sleep,
    )
    with caplog.at_level(logging.WARNING), daemon, pytest.raises(Stop):
        daemon.run()

    assert pauses == [7.0, 7.0, 7.0]
    assert "mentions with HTTP 500: " in caplog.text
    assert "polling again in 7 s" in caplog.text
    assert len(recorded(settings, "twitter", "901")) == 1
    assert len(fake.replies()) == 1
