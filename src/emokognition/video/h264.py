"""Tell H.264 frames that no other frame refers to, from their NAL headers, without decoding.

Such a frame need not be decoded at all when it is not analysed (the decode floor drops).
"""

from __future__ import annotations

_SLICE_TYPES = (1, 5)  # coded slice of a non-IDR / IDR picture


def nal_length_size(extradata: bytes | None) -> int | None:
    """Bytes of each NAL length prefix of an avcC (mp4, mov, mkv) stream; None for Annex B
    streams (start codes) or anything else, which are then decoded whole."""
    if not extradata or len(extradata) < 7 or extradata[0] != 1:
        return None
    return (extradata[4] & 0x03) + 1


def is_disposable(data: memoryview | bytes, length_size: int) -> bool:
    """True when every slice of an avcC packet has nal_ref_idc 0 (a non-reference picture)."""
    view = memoryview(data)
    position, slices = 0, 0
    while position + length_size < len(view):
        length = int.from_bytes(view[position : position + length_size], "big")
        header = view[position + length_size]
        if header & 0x1F in _SLICE_TYPES:
            if header & 0x60:
                return False
            slices += 1
        position += length_size + length
    return slices > 0


__all__ = ["is_disposable", "nal_length_size"]
