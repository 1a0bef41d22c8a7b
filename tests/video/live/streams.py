"""Real live streams on 127.0.0.1: MPEG-TS segments of a real video, published at real-time
pace as a rolling HLS playlist, or sent as one endless HTTP MPEG-TS stream.

The segments are encoded once (PyAV, H.264), frames of ../shared/data/videos; the servers
only publish them as the clock goes, so a test can stall, stop and resume the stream.
"""

from __future__ import annotations

import io
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from fractions import Fraction
from http.server import BaseHTTPRequestHandler

import av
import numpy as np
from av.video.stream import VideoStream
from numpy.typing import NDArray

from tests.servers import LocalServer

FPS = 10
SEGMENT_FRAMES = 5  # 0.5 s segments: a live edge close to the present
SEGMENT_SECONDS = SEGMENT_FRAMES / FPS
PLAYLIST_SEGMENTS = 4


def encode_segments(frames: Sequence[NDArray[np.uint8]], count: int) -> list[bytes]:
    """`count` MPEG-TS segments of `SEGMENT_FRAMES` frames each (cycling over `frames`, back
    and forth), each starting with a keyframe, timestamps continuous from one to the next."""
    cycle = [*frames, *frames[-2:0:-1]]
    segments = []
    for number in range(count):
        data = io.BytesIO()
        with av.open(data, mode="w", format="mpegts") as out:
            stream = out.add_stream("libx264", rate=FPS)
            assert isinstance(stream, VideoStream)
            stream.height, stream.width = frames[0].shape[:2]
            stream.pix_fmt = "yuv420p"
            stream.options = {"preset": "ultrafast", "tune": "zerolatency", "bf": "0"}
            stream.codec_context.time_base = Fraction(1, FPS)
            for k in range(SEGMENT_FRAMES):
                index = number * SEGMENT_FRAMES + k
                frame = av.VideoFrame.from_ndarray(cycle[index % len(cycle)], format="bgr24")
                frame.pts = index
                frame.time_base = Fraction(1, FPS)
                out.mux(stream.encode(frame))
            out.mux(stream.encode())
        segments.append(data.getvalue())
    return segments


class _Publisher:
    """The segment that is live now, by the clock: `stall` freezes it (nothing new is
    published, what is there stays), `stop` makes the stream answer 404, `resume` goes on."""

    def __init__(self, segments: list[bytes], *, published: int = 1) -> None:
        self.segments = segments
        self.stopped = False
        self._lock = threading.Lock()
        self._frozen: int | None = None
        self._stalled_at = 0.0
        self._origin = time.monotonic() - (published - 1) * SEGMENT_SECONDS
        self._shift = 0.0

    def live(self) -> int:
        """Segments published so far (the last one's number + 1), at least one."""
        with self._lock:
            if self._frozen is not None:
                return self._frozen
            done = int((time.monotonic() - self._origin - self._shift) / SEGMENT_SECONDS) + 1
            return min(done, len(self.segments))

    def stall(self) -> None:
        frozen = self.live()
        with self._lock:
            self._frozen, self._stalled_at = frozen, time.monotonic()

    def resume(self) -> None:
        with self._lock:
            if self._frozen is not None:
                self._shift += time.monotonic() - self._stalled_at
            self._frozen = None
            self.stopped = False

    def stop(self) -> None:
        self.stall()
        with self._lock:
            self.stopped = True


class HlsServer(LocalServer):
    """`/live.m3u8`: a rolling playlist of the last `PLAYLIST_SEGMENTS` published segments;
    `/seg<N>.ts`: the segments."""

    def __init__(self, segments: list[bytes]) -> None:
        super().__init__()
        # A live playlist already has a few segments when a viewer comes.
        self.stream = _Publisher(segments, published=PLAYLIST_SEGMENTS)
        self.url = f"http://127.0.0.1:{self.port}/live.m3u8"

    def _serve(self, request: BaseHTTPRequestHandler, method: str) -> None:
        if self.stream.stopped:
            request.send_error(404)
            return
        live = self.stream.live()
        if request.path == "/live.m3u8":
            first = max(0, live - PLAYLIST_SEGMENTS)
            lines = [
                "#EXTM3U",
                "#EXT-X-VERSION:3",
                "#EXT-X-TARGETDURATION:1",
                f"#EXT-X-MEDIA-SEQUENCE:{first}",
            ]
            for number in range(first, live):
                lines += [f"#EXTINF:{SEGMENT_SECONDS:.3f},", f"seg{number}.ts"]
            if live == len(self.stream.segments):
                lines.append("#EXT-X-ENDLIST")
            _send(request, "\n".join(lines).encode() + b"\n", "application/vnd.apple.mpegurl")
        elif request.path.startswith("/seg") and request.path.endswith(".ts"):
            number = int(request.path[4:-3])
            if number >= live:
                request.send_error(404)
                return
            _send(request, self.stream.segments[number], "video/mp2t")
        else:
            request.send_error(404)


class TsServer(LocalServer):
    """`/live.ts`: one endless MPEG-TS response from the live edge on, a segment at a time
    as each is published; `drop()` cuts every open response (and, with `stop`, refuses new
    ones until `resume`)."""

    def __init__(self, segments: list[bytes]) -> None:
        super().__init__()
        self.stream = _Publisher(segments)
        self.url = f"http://127.0.0.1:{self.port}/live.ts"
        self._cut = threading.Event()

    def drop(self) -> None:
        self.stream.stop()
        self._cut.set()

    def resume(self) -> None:
        self._cut.clear()
        self.stream.resume()

    def _serve(self, request: BaseHTTPRequestHandler, method: str) -> None:
        if self.stream.stopped or request.path != "/live.ts":
            request.send_error(404)
            return
        request.send_response(200)
        request.send_header("Content-Type", "video/mp2t")
        request.end_headers()
        sent = max(0, self.stream.live() - 1)
        while not (self._cut.is_set() or self._closing.is_set()):
            live = self.stream.live()
            if sent < live:
                request.wfile.write(self.stream.segments[sent])
                request.wfile.flush()
                sent += 1
            else:
                time.sleep(0.02)
            if sent >= len(self.stream.segments):
                return
        request.close_connection = True


@contextmanager
def silent_server() -> Iterator[str]:
    """A URL on 127.0.0.1 that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/live.m3u8"


def _send(request: BaseHTTPRequestHandler, body: bytes, kind: str) -> None:
    request.send_response(200)
    request.send_header("Content-Type", kind)
    request.send_header("Content-Length", str(len(body)))
    request.end_headers()
    request.wfile.write(body)
