"""Open and validate images and videos: sniffing, decoding, limits, safe URL download."""

from emokognition.media.images import DecodedImage, decode_image
from emokognition.media.info import MediaInfo
from emokognition.media.load import ImageSource, is_url, load_image, read_bytes
from emokognition.media.sniff import (
    IMAGE_FORMATS,
    VIDEO_FORMATS,
    identify,
    media_kind,
    sniff_format,
)

__all__ = [
    "IMAGE_FORMATS",
    "VIDEO_FORMATS",
    "DecodedImage",
    "ImageSource",
    "MediaInfo",
    "decode_image",
    "identify",
    "is_url",
    "load_image",
    "media_kind",
    "read_bytes",
    "sniff_format",
]
