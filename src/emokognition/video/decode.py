"""Stream frames out of a video: decode a range, convert only the frames that are analysed."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import av
import av.error
import numpy as np
from av.container import InputContainer
from av.packet import Packet
from av.video.frame import VideoFrame
from av.video.stream import VideoStream
from numpy.typing import NDArray

from emokognition.errors import CorruptMedia, MediaTooLarge
from emokognition.media.budget import MemoryBudget
from emokognition.video.h264 import is_disposable, nal_length_size
from emokognition.video.memory import FrameMemory
from emokognition.video.probe import Probe, VideoFile, media_error, read_packets

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, eq=False)
class DecodedFrame:
    """One analysed frame.

    Attributes:
        index: Position of the frame in the video (0-based, presentation order).
        t: Seconds since the first frame, from the stream's timestamps.
        pixels: (H, W, 3) uint8 BGR, upright (rotation metadata applied).
    """

    index: int
    t: float
    pixels: NDArray[np.uint8]

    def __post_init__(self) -> None:
        if self.pixels.dtype != np.uint8 or self.pixels.ndim != 3 or self.pixels.shape[2] != 3:
            raise ValueError(
                f"pixels must be (H, W, 3) uint8, got {self.pixels.shape} {self.pixels.dtype}"
            )


class FrameReader:
    """Decodes frames [start, stop) of a probed video and yields the selected ones.

    Decoding starts at the keyframe at or before `start` (a seek when start > 0); frames
    before `start` are decoded only when later frames depend on them. Frames that are not
    selected are decoded only when later frames depend on them (H.264 non-reference frames
    are passed over), and only selected frames become arrays, the costly step. Packets that
    fail to decode are passed over; after iteration, `skipped` counts the frames of the range
    that could not be decoded.

    Args:
        probe: The video.
        selected: (N,) bool over all frames of the video.
        start: First frame of the range (any frame).
        stop: One past the last frame; None for the end of the video.
        threads: FFmpeg decoding threads (0: as many as it likes).
    """

    def __init__(
        self,
        probe: Probe,
        selected: NDArray[np.bool_],
        start: int = 0,
        stop: int | None = None,
        *,
        threads: int = 0,
    ) -> None:
        self.probe = probe
        self.selected = selected
        self.start = start
        self.stop = len(probe.index) if stop is None else stop
        self.threads = threads
        self.decoded = 0
        self.passed = 0
        self.position = start - 1
        self.errors = 0

    @property
    def skipped(self) -> int:
        """Frames of the range not decoded (damaged), once iteration has finished."""
        return self.stop - self.start - self.decoded - self.passed

    def __iter__(self) -> Iterator[DecodedFrame]:
        with self.probe.file.open() as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            stream.codec_context.thread_count = self.threads
            self._seek(container, stream)
            for frame in self._frames(container, stream):
                position = self._accept(frame)
                if position is None:
                    continue
                if position >= self.stop:
                    return
                if self.selected[position]:
                    yield DecodedFrame(
                        index=position,
                        t=self.probe.index.time(position),
                        pixels=upright_bgr(frame, self.probe.rotation),
                    )

    def _seek(self, container: InputContainer, stream: VideoStream) -> None:
        if self.start <= 0:
            return
        try:
            container.seek(int(self.probe.index.pts[self.start]), stream=stream, backward=True)
        except av.error.FFmpegError as exc:  # no index: decode from the start instead
            logger.debug("cannot seek (%s); decoding from the start", exc)
            container.seek(0, stream=stream, backward=True)

    def _frames(self, container: InputContainer, stream: VideoStream) -> Iterator[VideoFrame]:
        flushed = False
        length_size = (
            nal_length_size(stream.codec_context.extradata)
            if stream.codec_context.name == "h264"
            else None
        )
        for packet in read_packets(container, stream):
            flushed = flushed or packet.size == 0
            if length_size is not None and self._pass_over(packet, length_size):
                continue
            try:
                frames = packet.decode()
            except av.error.DecoderNotFoundError as exc:
                raise media_error(exc, "cannot decode video") from exc
            except av.error.FFmpegError as exc:
                self.errors += 1
                logger.debug("frame skipped: %s", exc)
                continue
            yield from frames
        if not flushed:  # the demuxer stopped on an error: drain the decoder
            try:
                yield from stream.codec_context.decode(None)
            except av.error.FFmpegError as exc:
                logger.debug("flush failed: %s", exc)

    def _pass_over(self, packet: Packet[VideoStream], length_size: int) -> bool:
        """True for a frame that is not analysed and that no other frame needs: not decoded."""
        if packet.pts is None or packet.size == 0:
            return False
        position = self.probe.index.position(packet.pts)
        if (
            position is None
            or (self.selected[position] and position >= self.start)
            or not is_disposable(memoryview(packet), length_size)
        ):
            return False
        if self.start <= position < self.stop:
            self.passed += 1
        return True

    def _accept(self, frame: VideoFrame) -> int | None:
        """The frame's index when it is new and in range, else None (also counts it)."""
        stamp = frame.pts
        if stamp is None:
            position: int | None = self.position + 1
        else:
            position = self.probe.index.position(stamp)
        if position is None or position <= self.position or position < self.start:
            return None
        self.position = position
        if position < self.stop:
            self.decoded += 1
        return position


def upright_bgr(frame: VideoFrame, rotation: int) -> NDArray[np.uint8]:
    """(H, W, 3) uint8 BGR pixels of a frame, turned `rotation` degrees counter-clockwise."""
    pixels = np.asarray(frame.to_ndarray(format="bgr24"), dtype=np.uint8)
    turns = rotation // 90 % 4
    if turns:
        pixels = np.ascontiguousarray(np.rot90(pixels, k=turns))
    return pixels


__all__ = ["DecodedFrame", "FrameReader", "upright_bgr"]


def first_frame(
    path: str, *, max_pixels: int = 50_000_000, budget: MemoryBudget | None = None
) -> NDArray[np.uint8]:
    """The first frame of a video file as (H, W, 3) BGR: a preview, without probing or indexing.

    The frame size is checked against `max_pixels` before anything is decoded, and the decode
    holds its share of `budget` (as a video job's one frame at a time does).

    Raises:
        CorruptMedia: No frame can be decoded (a `MediaError` subclass for other reasons).
        MediaTooLarge: Frames over `max_pixels`, or a decode larger than all of `budget`.
    """
    try:
        with VideoFile(path=Path(path)).open() as container:
            if not container.streams.video:
                raise CorruptMedia("the video has no video stream to preview")
            stream = container.streams.video[0]
            width, height = stream.codec_context.width, stream.codec_context.height
            if width * height > max_pixels:
                raise MediaTooLarge(
                    f"video frames are {width}x{height} = {width * height:,} pixels "
                    f"(limit {max_pixels:,})"
                )
            held = FrameMemory(3 * width * height, queue=0, chunk=1).held
            with budget.hold(held, "decoding a frame") if budget else nullcontext():
                for frame in container.decode(stream):
                    return np.asarray(frame.to_ndarray(format="bgr24"), dtype=np.uint8)
    except av.error.FFmpegError as exc:
        raise media_error(exc, "cannot read the video's first frame") from exc
    raise CorruptMedia("the video has no frame to preview")
