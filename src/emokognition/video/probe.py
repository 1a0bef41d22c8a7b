"""Open a video, check it against the limits, and index its frames without decoding them."""

from __future__ import annotations

import hashlib
import io
import logging
import os
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TypeAlias

import av
import av.error
import numpy as np
from av.container import InputContainer
from av.packet import Packet
from av.video.stream import VideoStream
from numpy.typing import NDArray

from emokognition.config import Settings
from emokognition.errors import CorruptMedia, MediaError, MediaTooLarge, UnsupportedFormat
from emokognition.media.info import MediaInfo
from emokognition.media.load import is_url, read_bytes
from emokognition.media.sniff import VIDEO_FORMATS, sniff_format

logger = logging.getLogger(__name__)

VideoSource: TypeAlias = str | os.PathLike[str] | bytes
"""A path, an http(s) URL, or the encoded bytes of a video."""

# Containers we analyse as videos; an animated GIF is one too.
CONTAINERS = (*VIDEO_FORMATS, "gif")
# Demuxing gives up after this many consecutive read errors (a file of garbage).
_MAX_READ_ERRORS = 64
# Packets to try before deciding that no frame of a stream can be decoded.
_MAX_PROBE_PACKETS = 256
# FFmpeg's demuxer for each container we sniff: named, so FFmpeg never guesses another one
# (hls, concat) that would open further files or URLs named inside the data.
_DEMUXERS = {
    "mp4": "mov",
    "mov": "mov",
    "mkv": "matroska",
    "webm": "matroska",
    "avi": "avi",
    "gif": "gif",
}
# Nested opens a demuxer may do: local files only where the input is a file, none from memory.
_PROTOCOLS = "file"


@dataclass(frozen=True, slots=True)
class VideoFile:
    """Where the bytes of a video are: a local file (read as it streams) or memory.

    Attributes:
        path: A local file, or None.
        data: The encoded bytes (downloads, callers' bytes), or None.
    """

    path: Path | None = None
    data: bytes | None = None

    def __post_init__(self) -> None:
        if (self.path is None) == (self.data is None):
            raise ValueError("set exactly one of path and data")

    @classmethod
    def from_source(cls, source: VideoSource, settings: Settings) -> VideoFile:
        """A local path stays a path (no size limit: it is streamed); URLs are downloaded.

        Raises:
            MediaError: Missing or unreadable file.
            SourceError: A URL that is refused or fails to download.
        """
        if isinstance(source, bytes) or is_url(source):
            return cls(data=read_bytes(source, settings))
        path = Path(source)
        if not path.is_file():
            raise MediaError(f"no such file: {path}")
        if not os.access(path, os.R_OK):
            raise MediaError(f"permission denied: {path}")
        return cls(path=path)

    def head(self, size: int = 64) -> bytes:
        """The first `size` bytes."""
        if self.data is not None:
            return self.data[:size]
        assert self.path is not None  # one of the two is set, checked in __post_init__
        with self.path.open("rb") as file:
            return file.read(size)

    def sha256(self) -> str:
        """Hex digest of the bytes, read in chunks."""
        if self.data is not None:
            return hashlib.sha256(self.data).hexdigest()
        digest = hashlib.sha256()
        assert self.path is not None
        with self.path.open("rb") as file:
            while chunk := file.read(1 << 20):
                digest.update(chunk)
        return digest.hexdigest()

    def open(self) -> InputContainer:
        """An input container positioned at the start, read by the demuxer of its sniffed format.

        Raises:
            CorruptMedia: FFmpeg cannot read the container.
        """
        target: str | io.BytesIO = (
            io.BytesIO(self.data) if self.data is not None else str(self.path)
        )
        demuxer = _DEMUXERS.get(sniff_format(self.head()) or "")
        if demuxer is None:
            raise UnsupportedFormat(f"{self.name} is not a video container we read")
        try:
            return av.open(
                target, mode="r", format=demuxer, options={"protocol_whitelist": _PROTOCOLS}
            )
        except av.error.FFmpegError as exc:
            raise media_error(exc, "cannot open video") from exc

    @property
    def name(self) -> str:
        """A short name for logs and messages."""
        return self.path.name if self.path is not None else f"{len(self.data or b''):,} bytes"


@dataclass(frozen=True, slots=True, eq=False)
class FrameIndex:
    """Every frame of a video stream by its presentation time, found by demuxing only.

    Attributes:
        pts: (N,) int64 presentation timestamps, ascending and unique, in `time_base` units.
        keyframes: (N,) bool, True where decoding can start.
        time_base: Seconds per `pts` unit.
    """

    pts: NDArray[np.int64]
    keyframes: NDArray[np.bool_]
    time_base: Fraction

    def __post_init__(self) -> None:
        if self.pts.shape != self.keyframes.shape or self.pts.ndim != 1:
            raise ValueError(
                f"pts and keyframes must be (N,), got {self.pts.shape} and {self.keyframes.shape}"
            )

    def __len__(self) -> int:
        return len(self.pts)

    def times(self) -> NDArray[np.float64]:
        """(N,) seconds since the first frame."""
        if len(self.pts) == 0:
            return np.zeros(0, dtype=np.float64)
        return np.asarray((self.pts - self.pts[0]) * float(self.time_base), dtype=np.float64)

    def time(self, position: int) -> float:
        """Seconds from the first frame to frame `position`, rounded to the microsecond."""
        return round(float((int(self.pts[position]) - int(self.pts[0])) * self.time_base), 6)

    def position(self, pts: int) -> int | None:
        """The index of the frame with this timestamp, or None when there is none."""
        i = int(np.searchsorted(self.pts, pts))
        return i if i < len(self.pts) and int(self.pts[i]) == pts else None


@dataclass(frozen=True, slots=True, eq=False)
class Probe:
    """A video that passed the checks, ready to decode.

    Attributes:
        file: Where its bytes are.
        info: Size (upright), format, fps, duration, frame count.
        index: Its frames by timestamp.
        rotation: Counter-clockwise degrees to turn decoded frames upright (0, 90, 180, 270).
        codec: The video codec's name.
    """

    file: VideoFile
    info: MediaInfo
    index: FrameIndex
    rotation: int
    codec: str


def probe_video(
    source: VideoSource | VideoFile,
    settings: Settings,
    *,
    on_size: Callable[[int, int], None] | None = None,
) -> Probe:
    """Open a video, check its format and limits, and index its frames.

    `on_size(width, height)` is called once the frame size is known and checked, before any
    frame is decoded (a memory budget may be taken there, or the video refused).

    Raises:
        UnsupportedFormat: Not a video container we read, or a codec without a decoder.
        MediaTooLarge: Frames above `settings.max_pixels`, or longer than
            `settings.max_video_seconds`.
        CorruptMedia: Truncated or damaged, or no decodable frame.
        MediaError: No video stream, or a missing file.
    """
    file = source if isinstance(source, VideoFile) else VideoFile.from_source(source, settings)
    fmt = sniff_format(file.head())
    if fmt not in CONTAINERS:
        found = f"a {fmt} image" if fmt else "an unknown format"
        raise UnsupportedFormat(f"expected a video ({', '.join(CONTAINERS)}), got {found}")
    with file.open() as container:
        stream = _video_stream(container, fmt)
        width, height, codec = _check_stream(container, stream, settings)
        if on_size is not None:
            on_size(width, height)
        index = build_index(container, stream, settings.max_video_frames)
        fps = _fps(stream, index)
        duration = _duration(container, stream, index, fps)
    if len(index) == 0:
        raise CorruptMedia(f"the {fmt} video has no frames")
    _check_duration(duration, settings)
    rotation = _first_frame_rotation(file)
    if rotation in (90, 270):
        width, height = height, width
    info = MediaInfo(
        kind="video",
        width=width,
        height=height,
        format=fmt,
        sha256=file.sha256(),
        fps=round(fps, 3),
        duration=round(duration, 3),
        frames=len(index),
    )
    logger.debug("probed %s: %s %s, rotation %d", file.name, codec, info.to_dict(), rotation)
    return Probe(file=file, info=info, index=index, rotation=rotation, codec=codec)


def build_index(
    container: InputContainer, stream: VideoStream, max_frames: int | None = None
) -> FrameIndex:
    """Demux (without decoding) every packet of `stream` into a `FrameIndex`.

    Raises:
        MediaTooLarge: More than `max_frames` frames, found as soon as demuxing passes it.
    """
    stamps: array[int] = array("q")
    keys: array[int] = array("b")
    for packet in read_packets(container, stream):
        stamp = packet.pts if packet.pts is not None else packet.dts
        if stamp is None or packet.size == 0:
            continue
        if max_frames is not None and len(stamps) >= max_frames:
            raise MediaTooLarge(
                f"video has more than {max_frames:,} frames (set EMOKOGNITION_MAX_VIDEO_FRAMES)"
            )
        stamps.append(stamp)
        keys.append(1 if packet.is_keyframe else 0)
    pts = np.frombuffer(stamps, dtype=np.int64) if stamps else np.zeros(0, dtype=np.int64)
    key = np.frombuffer(keys, dtype=np.int8).astype(bool) if keys else np.zeros(0, dtype=bool)
    order = np.argsort(pts, kind="stable")
    pts, key = pts[order], key[order]
    unique, first = np.unique(pts, return_index=True)
    keyframes = np.logical_or.reduceat(key, first) if len(first) else np.zeros(0, dtype=bool)
    if len(keyframes):
        keyframes[0] = True  # decoding always starts at the beginning
    time_base = stream.time_base or Fraction(1, 1)
    return FrameIndex(pts=unique.astype(np.int64), keyframes=keyframes, time_base=time_base)


def read_packets(container: InputContainer, stream: VideoStream) -> Iterator[Packet[VideoStream]]:
    """The packets of `stream`, reading on over damaged parts of the file.

    Raises:
        CorruptMedia: Too many read errors in a row.
    """
    errors = 0
    while True:
        try:
            for packet in container.demux(stream):
                errors = 0
                yield packet
            return
        except av.error.FFmpegError as exc:
            errors += 1
            logger.debug("read error %d: %s", errors, exc)
            if errors >= _MAX_READ_ERRORS:
                raise media_error(exc, "cannot read video") from exc


def media_error(exc: av.error.FFmpegError, what: str) -> MediaError:
    """Our error for an FFmpeg one: `what` failed, and why."""
    reason = getattr(exc, "strerror", None) or str(exc)
    if isinstance(exc, av.error.DecoderNotFoundError | av.error.DemuxerNotFoundError):
        return UnsupportedFormat(f"{what}: {reason}")
    if isinstance(exc, av.error.MemoryError):
        return MediaTooLarge(f"{what}: out of memory")
    return CorruptMedia(f"{what}: {reason}")


def _video_stream(container: InputContainer, fmt: str) -> VideoStream:
    if not container.streams.video:
        kinds = ", ".join(sorted({str(s.type) for s in container.streams})) or "none"
        raise MediaError(f"the {fmt} file has no video stream (streams: {kinds})")
    return container.streams.video[0]


def _check_stream(
    container: InputContainer, stream: VideoStream, settings: Settings
) -> tuple[int, int, str]:
    context = stream.codec_context
    codec = context.codec.name if context is not None and context.codec is not None else ""
    if not codec or codec == "none":
        raise UnsupportedFormat("the video's codec is unknown: no decoder for it")
    width, height = context.width, context.height
    if width <= 0 or height <= 0:
        raise CorruptMedia(f"the video's frame size is {width}x{height}")
    if width * height > settings.max_pixels:
        raise MediaTooLarge(
            f"video frames are {width}x{height} = {width * height:,} pixels "
            f"(limit {settings.max_pixels:,})"
        )
    if container.duration is not None:
        _check_duration(container.duration / av.time_base, settings)
    return width, height, codec


def _check_duration(seconds: float, settings: Settings) -> None:
    if seconds > settings.max_video_seconds:
        raise MediaTooLarge(
            f"video is {seconds:,.1f} s long (limit {settings.max_video_seconds:g} s; "
            "set EMOKOGNITION_MAX_VIDEO_SECONDS)"
        )


def _fps(stream: VideoStream, index: FrameIndex) -> float:
    for rate in (stream.average_rate, stream.guessed_rate):
        if rate and rate > 0:
            return float(rate)
    times = index.times()
    if len(times) > 1 and times[-1] > 0:
        return (len(times) - 1) / float(times[-1])
    return 1.0


def _duration(
    container: InputContainer, stream: VideoStream, index: FrameIndex, fps: float
) -> float:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / av.time_base
    times = index.times()
    return float(times[-1]) + 1.0 / fps if len(times) else 0.0


def _first_frame_rotation(file: VideoFile) -> int:
    """Rotation of the first decodable frame (its display matrix), a multiple of 90 degrees.

    Raises:
        UnsupportedFormat: No decoder for the codec.
        CorruptMedia: No frame can be decoded.
    """
    with file.open() as container:
        stream = container.streams.video[0]
        for count, packet in enumerate(read_packets(container, stream)):
            try:
                frames = packet.decode()
            except av.error.FFmpegError as exc:
                if isinstance(exc, av.error.DecoderNotFoundError):
                    raise media_error(exc, "cannot decode video") from exc
                frames = []
            if frames:
                return round(frames[0].rotation / 90) % 4 * 90
            if count >= _MAX_PROBE_PACKETS:
                break
    raise CorruptMedia("no frame of the video can be decoded")


__all__ = [
    "CONTAINERS",
    "FrameIndex",
    "Probe",
    "VideoFile",
    "VideoSource",
    "build_index",
    "media_error",
    "probe_video",
    "read_packets",
]
