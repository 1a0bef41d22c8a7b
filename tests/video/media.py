"""Write test videos with PyAV from real frames: every container, odd timing, broken files."""

from __future__ import annotations

import struct
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from av.audio.stream import AudioStream
from av.container import OutputContainer
from av.video.stream import VideoStream
from numpy.typing import NDArray

from tests.shared import VIDEOS

WOMAN = VIDEOS / "woman_talking.mp4"
HAMILTON = VIDEOS / "hamilton_stage.mp4"

# container format -> (codec, pixel format)
CODECS = {
    "mp4": ("libx264", "yuv420p"),
    "mov": ("libx264", "yuv420p"),
    "matroska": ("libx264", "yuv420p"),
    "webm": ("libvpx", "yuv420p"),
    "avi": ("mpeg4", "yuv420p"),
    "gif": ("gif", "rgb8"),
}


def read_frames(path: Path, count: int, *, step: int = 1) -> list[NDArray[np.uint8]]:
    """The first `count` frames (every `step`-th) of a video as (H, W, 3) BGR arrays."""
    frames: list[NDArray[np.uint8]] = []
    with av.open(str(path)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i % step == 0:
                frames.append(np.asarray(frame.to_ndarray(format="bgr24"), dtype=np.uint8))
            if len(frames) == count:
                break
    return frames


def write_video(
    path: Path,
    frames: Sequence[NDArray[np.uint8]],
    *,
    fps: int = 25,
    container: str = "mp4",
    times: Sequence[float] | None = None,
    rotation: int = 0,
    audio: bool = False,
    keyframe_every: int = 10,
) -> Path:
    """Encode BGR frames; `times` (seconds) give a variable frame rate, `rotation` sets the
    display matrix (frames are stored turned the other way), `audio` adds a sine track."""
    codec, pix_fmt = CODECS[container]
    with av.open(str(path), mode="w", format=container) as out:
        stream = out.add_stream(codec, rate=fps)
        assert isinstance(stream, VideoStream)
        height, width = frames[0].shape[:2]
        turned = rotation in (90, 270)
        stream.width, stream.height = (height, width) if turned else (width, height)
        stream.pix_fmt = pix_fmt
        if codec != "gif":
            stream.gop_size = keyframe_every
        if codec == "libx264":
            stream.options = {"preset": "ultrafast", "bf": "0"}
        if times is not None:
            stream.codec_context.time_base = Fraction(1, 1000)
        if rotation:
            stream.set_display_rotation(rotation)
        sound = out.add_stream("aac", rate=22050) if audio else None
        for i, pixels in enumerate(frames):
            stored = (
                np.ascontiguousarray(np.rot90(pixels, k=-(rotation // 90))) if rotation else pixels
            )
            frame = av.VideoFrame.from_ndarray(stored, format="bgr24")
            if times is not None:
                frame.pts = round(times[i] * 1000)
                frame.time_base = Fraction(1, 1000)
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
        if sound is not None:
            _write_tone(out, sound, seconds=len(frames) / fps)
    return path


def _write_tone(out: OutputContainer, stream: AudioStream, *, seconds: float) -> None:
    rate = stream.rate
    samples = np.sin(np.arange(int(rate * seconds)) * 2 * np.pi * 440 / rate).astype(np.float32)
    for start in range(0, len(samples), 1024):
        chunk = samples[start : start + 1024][None, :]
        frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="mono")
        frame.sample_rate = rate
        frame.pts = start
        out.mux(stream.encode(frame))
    out.mux(stream.encode())


def write_audio_only(path: Path, seconds: float = 1.0) -> Path:
    """An mp4 with one AAC track and no video."""
    with av.open(str(path), mode="w", format="mp4") as out:
        _write_tone(out, out.add_stream("aac", rate=22050), seconds=seconds)
    return path


def write_empty(path: Path, container: str = "avi") -> Path:
    """A file with a video stream header and no frames."""
    with av.open(str(path), mode="w", format=container) as out:
        stream = out.add_stream("mpeg4", rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        out.start_encoding()
    return path


def damage_packets(path: Path, first: int, count: int) -> bytes:
    """The file's bytes with video packets first..first+count overwritten by noise."""
    data = bytearray(path.read_bytes())
    with av.open(str(path)) as container:
        places = [(p.pos, p.size) for p in container.demux(video=0) if p.size and p.pos is not None]
    rng = np.random.default_rng(0)
    for pos, size in places[first : first + count]:
        data[pos : pos + size] = rng.integers(0, 256, size, dtype=np.uint8).tobytes()
    return bytes(data)


def raw_avi(path: Path, width: int, height: int) -> bytes:
    """A tiny raw-video AVI whose headers claim `width` x `height` frames."""
    with av.open(str(path), mode="w", format="avi") as out:
        stream = out.add_stream("rawvideo", rate=25)
        stream.width, stream.height, stream.pix_fmt = 16, 16, "bgr24"
        for _ in range(3):
            black = np.zeros((16, 16, 3), dtype=np.uint8)
            out.mux(stream.encode(av.VideoFrame.from_ndarray(black, format="bgr24")))
        out.mux(stream.encode())
    data = bytearray(path.read_bytes())
    strf = data.index(b"strf") + 8  # BITMAPINFOHEADER: size, width, height
    data[strf + 4 : strf + 12] = struct.pack("<ii", width, height)
    avih = data.index(b"avih") + 8  # MainAVIHeader: width, height at 32
    data[avih + 32 : avih + 40] = struct.pack("<II", width, height)
    return bytes(data)
