"""`watch_stream` and `emokognition watch` on real live streams served on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import time

import pytest

from emokognition.cli import main
from emokognition.config import Settings
from emokognition.errors import ForbiddenURL, PrivateAddress, StreamError
from emokognition.video.live import StreamNotice, watch_stream
from emokognition.vision.analyzer import Analyzer
from tests.video.live.streams import HlsServer, silent_server
from tests.video.media import WOMAN


def test_hls_windows_have_faces(
    segments: list[bytes], live_settings: Settings, live_analyzer: Analyzer
) -> None:
    with (
        HlsServer(segments) as server,
        watch_stream(
            server.url, window=1.0, duration=3.0, settings=live_settings, analyzer=live_analyzer
        ) as live,
    ):
        windows = list(live)
        summary = live.summary()
    assert [w.index for w in windows] == [0, 1, 2]
    assert all(w.audience.faces > 0 and w.audience.people == 1 for w in windows)
    assert all(abs(sum((w.audience.shares or {}).values()) - 1) < 1e-6 for w in windows)
    assert summary.reason == "duration" and len(summary.tracks) >= 1
    assert summary.analysed == sum(w.audience.frames for w in windows)


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("http://127.0.0.1:9/live.m3u8", PrivateAddress),
        ("rtsp://10.0.0.1/live", PrivateAddress),
        ("file:///etc/passwd", ForbiddenURL),
        ("concat:/etc/passwd", ForbiddenURL),
    ],
)
def test_refused_urls(url: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        watch_stream(url, settings=Settings(allow_private_urls=False))


def test_never_answers_fails_quickly(live_settings: Settings, live_analyzer: Analyzer) -> None:
    notices: list[StreamNotice] = []
    started = time.monotonic()
    with silent_server() as url, pytest.raises(StreamError, match="no answer within"):
        watch_stream(url, settings=live_settings, analyzer=live_analyzer, notify=notices.append)
    assert time.monotonic() - started < 15 and not notices


def test_cli_realtime_jsonl(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["watch", str(WOMAN), "--realtime", "--window", "1", "--duration", "2"]
    assert main([*args, "--format", "jsonl"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["window"] for line in lines[:-1]] == [0, 1]
    assert lines[0]["faces"] > 0 and lines[0]["tracks"] == [1] and "latency" in lines[0]
    assert lines[-1]["summary"]["reason"] == "duration"


def test_hls_stop_resume_reconnects(
    segments: list[bytes], live_settings: Settings, live_analyzer: Analyzer
) -> None:
    notices: list[StreamNotice] = []
    with HlsServer(segments) as server:
        stopper = threading.Timer(1.5, server.stream.stop)
        resumer = threading.Timer(3.5, server.stream.resume)
        stopper.start()
        resumer.start()
        with watch_stream(
            server.url,
            window=1.0,
            duration=9.0,
            settings=live_settings,
            analyzer=live_analyzer,
            notify=notices.append,
        ) as live:
            windows = list(live)
            summary = live.summary()
    kinds = [notice.kind for notice in notices]
    assert "dropped" in kinds and "reconnected" in kinds and summary.reconnects >= 1
    assert windows[-1].audience.faces > 0  # analysis went on after the stream came back
