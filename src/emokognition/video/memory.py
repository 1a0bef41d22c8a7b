"""How many decoded frames a video run keeps at once, within a memory budget.

A decoded frame is 3 bytes a pixel: at 1280x720, 2.8 MB, and a run keeps up to 33 (24 waiting,
a batch of 8 being analysed, one being decoded). At the 50 megapixels `max_pixels` lets in it
is 150 MB a frame, and 33 of them would be 5 GB from a file of a few hundred kilobytes. So the
frames waiting and analysed together are bounded by the job's share of the process's budget
(`decode_memory_mb`): fewer waiting frames first, then smaller batches, and for the largest
frames no decode thread at all, one frame at a time; a video whose one frame at a time needs
more than the whole budget is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from emokognition.video.plan import BATCH_FRAMES

QUEUE_FRAMES = 24
"""Decoded frames waiting for analysis when there is room: enough to fill the next batch."""
# What FFmpeg holds beside our frames, in halves of a frame of 3 bytes a pixel: the pictures
# being decoded and referred to (YUV, 1.5 bytes a pixel each) and the conversion to BGR.
# Measured with one frame of ours alive: 8K H.264 350 MB over a loaded analyzer (3.5 frames).
_DECODER_HALVES = 5


@dataclass(frozen=True, slots=True)
class FrameMemory:
    """Frames kept at once by a run, for frames of `frame_bytes`.

    Attributes:
        frame_bytes: One decoded (H, W, 3) frame.
        queue: Frames waiting between the decode thread and the analysis; 0: no decode
            thread, frames are decoded as they are analysed.
        chunk: Frames analysed at once: the plan's batch (`BATCH_FRAMES`) when there is room,
            which keeps the results those of any other run of the plan.
    """

    frame_bytes: int
    queue: int = QUEUE_FRAMES
    chunk: int = BATCH_FRAMES

    @classmethod
    def within(cls, width: int, height: int, budget: int) -> FrameMemory:
        """As many frames as `budget` bytes hold, up to the defaults; never fewer than one."""
        frame = 3 * width * height
        room = (2 * budget // max(frame, 1) - _DECODER_HALVES) // 2
        if room >= QUEUE_FRAMES + BATCH_FRAMES + 1:
            return cls(frame)
        if room >= BATCH_FRAMES + 2:
            return cls(frame, queue=room - BATCH_FRAMES - 1)
        if room >= 3:
            chunk = (room - 1) // 2
            return cls(frame, queue=room - chunk - 1, chunk=chunk)
        return cls(frame, queue=0, chunk=1)

    @property
    def frames(self) -> int:
        """Decoded frames alive at most: waiting, analysed, and one in the decode thread."""
        return self.queue + self.chunk + (1 if self.queue else 0)

    @property
    def held(self) -> int:
        """Bytes the run needs at most: its frames, and the decoder's (its YUV pictures and
        the BGR conversion of the newest)."""
        return (2 * self.frames + _DECODER_HALVES) * self.frame_bytes // 2


__all__ = ["QUEUE_FRAMES", "FrameMemory"]
