"""Write a video with every analysed face boxed, numbered by track and labelled; audio kept."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import av.error
import numpy as np
from av.audio.stream import AudioStream
from av.container import InputContainer, OutputContainer
from av.packet import Packet
from av.video.frame import VideoFrame
from av.video.stream import VideoStream
from numpy.typing import NDArray

from emokognition.config import Settings, get_settings
from emokognition.errors import MediaError
from emokognition.media.targets import VIDEO_CONTAINERS
from emokognition.video.decode import upright_bgr
from emokognition.video.probe import Probe, VideoSource, media_error, probe_video
from emokognition.video.results import FrameResult, VideoResult
from emokognition.vision.annotate import draw_faces
from emokognition.vision.faces import Face

logger = logging.getLogger(__name__)


def video_codec(container_format: str) -> str:
    """The encoder for an output container: VP8 for WebM, else H.264 when PyAV's FFmpeg has
    libx264, else MPEG-4 part 2 (always built in)."""
    if container_format == "webm":
        return "libvpx"
    return "libx264" if "libx264" in av.codecs_available else "mpeg4"


def write_annotated(
    source: VideoSource | Probe,
    result: VideoResult,
    target: Path,
    *,
    settings: Settings | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Re-encode `source` with the faces of `result` drawn on its frames.

    Every frame is written; each shows the faces of the latest analysed frame at or before
    it. The audio stream is copied as it is when the container takes its codec.

    Args:
        source: The video that was analysed (or its probe).
        result: Its analysis.
        target: Output file; .mp4, .m4v, .mov, .mkv or .webm.
        settings: Limits; `get_settings()` when omitted.
        progress: Called with (frames written, frames in the video).

    Raises:
        MediaError: Unknown suffix, or the file cannot be written.
    """
    fmt = VIDEO_CONTAINERS.get(target.suffix.lower())
    if fmt is None:
        raise MediaError(f"cannot write {target.name}: use one of {', '.join(VIDEO_CONTAINERS)}")
    probe = source if isinstance(source, Probe) else probe_video(source, settings or get_settings())
    try:
        with probe.file.open() as src, av.open(str(target), mode="w", format=fmt) as out:
            _transcode(src, out, probe, result.frames, progress)
    except av.error.FFmpegError as exc:
        raise media_error(exc, f"cannot write {target.name}") from exc
    except OSError as exc:
        raise MediaError(f"cannot write {target}: {exc}") from exc
    logger.info("wrote annotated video %s", target)
    return target


def _transcode(
    src: InputContainer,
    out: OutputContainer,
    probe: Probe,
    analysed: tuple[FrameResult, ...],
    progress: Callable[[int, int], None] | None,
) -> None:
    video_in = src.streams.video[0]
    video_in.thread_type = "AUTO"
    audio_in = src.streams.audio[0] if src.streams.audio else None
    video_out = _video_stream(out, probe, video_in)
    audio_out = _audio_stream(out, audio_in)
    streams: tuple[VideoStream | AudioStream, ...] = (
        (video_in,) if audio_out is None or audio_in is None else (video_in, audio_in)
    )
    faces_at = _Hold(analysed)
    written = 0
    for packet in src.demux(streams):
        if packet.stream is audio_in and audio_out is not None:
            if packet.dts is not None:
                packet.stream = audio_out
                out.mux(packet)
            continue
        for frame in _decode(packet):
            position = probe.index.position(frame.pts) if frame.pts is not None else written
            pixels = draw_faces(upright_bgr(frame, probe.rotation), faces_at(position or 0))
            out.mux(video_out.encode(_frame(pixels, video_out, frame)))
            written += 1
            if progress is not None and written % 32 == 0:
                progress(written, len(probe.index))
    out.mux(video_out.encode())
    if progress is not None:
        progress(len(probe.index), len(probe.index))


def _decode(packet: Packet[Any]) -> Iterator[VideoFrame]:
    try:
        frames = packet.decode()
    except av.error.FFmpegError as exc:  # a damaged frame: passed over, as in the analysis
        logger.debug("frame skipped: %s", exc)
        return
    for frame in frames:
        if isinstance(frame, VideoFrame):
            yield frame


def _video_stream(out: OutputContainer, probe: Probe, video_in: VideoStream) -> VideoStream:
    rate = video_in.average_rate or Fraction(probe.info.fps or 25).limit_denominator(1001)
    codec = video_codec(out.format.name.split(",")[0])
    stream = out.add_stream(codec, rate=rate)
    if not isinstance(stream, VideoStream):
        raise MediaError(f"{codec} is not a video encoder")
    stream.width = probe.info.width - probe.info.width % 2  # 4:2:0 needs even sizes
    stream.height = probe.info.height - probe.info.height % 2
    stream.pix_fmt = "yuv420p"
    if video_in.time_base is not None:
        stream.codec_context.time_base = video_in.time_base
    if stream.codec_context.name == "libx264":
        stream.options = {"preset": "veryfast", "crf": "20"}
    else:
        stream.bit_rate = 4_000_000
    return stream


def _audio_stream(out: OutputContainer, audio_in: AudioStream | None) -> AudioStream | None:
    if audio_in is None:
        return None
    name = audio_in.codec_context.name
    if name not in out.supported_codecs:
        logger.warning("audio (%s) left out: %s files cannot hold it", name, out.format.name)
        return None
    stream = out.add_stream_from_template(audio_in)
    if not isinstance(stream, AudioStream):
        return None
    return stream


def _frame(pixels: NDArray[np.uint8], stream: VideoStream, source: VideoFrame) -> VideoFrame:
    even = np.ascontiguousarray(pixels[: stream.height, : stream.width])
    frame = VideoFrame.from_ndarray(even, format="bgr24")
    frame.pts = source.pts
    frame.time_base = source.time_base
    return frame


class _Hold:
    """The faces to draw on frame N: those of the latest analysed frame at or before N."""

    def __init__(self, analysed: tuple[FrameResult, ...]) -> None:
        self._analysed = analysed
        self._indices = np.array([frame.index for frame in analysed], dtype=np.int64)

    def __call__(self, position: int) -> tuple[Face, ...]:
        k = int(np.searchsorted(self._indices, position, side="right")) - 1
        return self._analysed[k].faces if k >= 0 else ()


__all__ = ["video_codec", "write_annotated"]
