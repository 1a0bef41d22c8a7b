"""Segments of a real video for the live streams, encoded once; settings for quick drops."""

from __future__ import annotations

import pytest

from emokognition.config import Settings
from emokognition.vision.analyzer import Analyzer
from tests.video.live.streams import encode_segments
from tests.video.media import WOMAN, read_frames


@pytest.fixture(scope="session")
def segments() -> list[bytes]:
    """60 segments of 0.5 s (30 s at 10 fps) of a woman talking to the camera, 596x336."""
    return encode_segments(read_frames(WOMAN, 40, step=2), 60)


@pytest.fixture(scope="session")
def live_settings() -> Settings:
    """Loopback streams allowed; a stream that gives nothing for 1.5 s is down, and is tried
    again soon and often."""
    return Settings(
        allow_private_urls=True,
        stream_timeout=1.5,
        stream_backoff_base=0.2,
        stream_backoff_max=0.5,
        stream_reconnect_tries=20,
    )


@pytest.fixture(scope="session")
def live_analyzer(live_settings: Settings) -> Analyzer:
    return Analyzer(settings=live_settings.sharing_cores())
