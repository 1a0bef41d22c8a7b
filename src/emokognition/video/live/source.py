"""Where a live stream comes from, whether it may be opened, and how FFmpeg opens it.

A stream URL is checked like every URL: its host must resolve to public addresses only
(unless `allow_private_urls`), and FFmpeg gets a protocol whitelist with only what the stream
needs, so a playlist cannot lead it to `file:`, `concat:` or `subfile:`. Over HTTP, FFmpeg
goes through `media.proxy`, which checks every host a playlist or a redirect names; RTSP and
RTMP are dialled at the address that was checked. A local file is played at its own pace
(`realtime`), for trying things out; only then is `file` allowed.
"""

from __future__ import annotations

import os
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import av
import av.error
from av.container import InputContainer

from emokognition.config import Settings
from emokognition.errors import ForbiddenURL, SourceError, StreamError
from emokognition.media.addresses import resolve_checked
from emokognition.media.proxy import shared_proxy

StreamKind = Literal["hls", "http", "rtsp", "rtmp", "file"]

# What FFmpeg may open for each kind of stream: the transports under it and nothing else.
_PROTOCOLS: dict[StreamKind, str] = {
    "hls": "http,https,httpproxy,tcp,tls,crypto",
    "http": "http,https,httpproxy,tcp,tls",
    "rtsp": "rtsp,rtsps,rtp,srtp,udp,tcp,tls",
    "rtmp": "rtmp,rtmps,tcp,tls",
    "file": "file",
}
_SCHEMES: dict[str, StreamKind] = {
    "http": "http",
    "https": "http",
    "rtsp": "rtsp",
    "rtsps": "rtsp",
    "rtmp": "rtmp",
    "rtmps": "rtmp",
}
_DEFAULT_PORTS = {"http": 80, "https": 443, "rtsp": 554, "rtsps": 322, "rtmp": 1935, "rtmps": 443}


@dataclass(frozen=True, slots=True)
class StreamSource:
    """A stream to watch.

    Attributes:
        target: The URL, or the path of a local file.
        kind: "hls" (an .m3u8 playlist), "http" (MPEG-TS or another container over HTTP),
            "rtsp", "rtmp", or "file" (played at its own pace).
    """

    target: str
    kind: StreamKind

    @property
    def realtime(self) -> bool:
        """Frames must be paced by their timestamps (a file); a live stream paces itself."""
        return self.kind == "file"

    @property
    def name(self) -> str:
        """The URL without credentials or query (for messages and logs), or the file's name."""
        if self.kind == "file":
            return Path(self.target).name
        parts = urllib.parse.urlsplit(self.target)
        return f"{parts.scheme}://{parts.hostname or ''}{_port(parts)}{parts.path}"

    @classmethod
    def parse(cls, target: str, *, realtime: bool = False) -> StreamSource:
        """The source for a URL (http(s), rtsp(s), rtmp(s)) or, with `realtime`, a file.

        Raises:
            ForbiddenURL: Another scheme (file:, concat: ...), or no host.
            SourceError: `realtime` with a URL, a file without `realtime`, a missing file.
        """
        scheme = urllib.parse.urlsplit(target).scheme.lower()
        if realtime:
            if scheme in _SCHEMES:
                raise SourceError("--realtime plays a local file; a URL is live already")
            if not Path(target).is_file():
                raise SourceError(f"no such file: {target}")
            return cls(target, "file")
        if scheme not in _SCHEMES:
            if not scheme and Path(target).is_file():
                raise SourceError(f"{target} is a file: add --realtime to play it at its pace")
            raise ForbiddenURL(
                f"unsupported stream URL scheme {scheme!r} ({', '.join(sorted(_SCHEMES))})"
            )
        kind = _SCHEMES[scheme]
        if kind == "http" and urllib.parse.urlsplit(target).path.lower().endswith(".m3u8"):
            kind = "hls"
        return cls(target, kind)

    def check(self, settings: Settings) -> list[str]:
        """Refuse a URL whose host is not public (unless `settings.allow_private_urls`).

        Returns:
            The host's checked addresses ([] for a file).

        Raises:
            ForbiddenURL: No host, or a private, loopback or link-local address.
            UnknownHost: The host name does not exist.
        """
        if self.kind == "file":
            return []
        parts = urllib.parse.urlsplit(self.target)
        if not parts.hostname:
            raise ForbiddenURL(f"stream URL without a host: {self.name}")
        try:
            port = parts.port or _DEFAULT_PORTS[parts.scheme.lower()]
        except ValueError as exc:
            raise ForbiddenURL(f"bad port in stream URL {self.name}") from exc
        return resolve_checked(parts.hostname, port, allow_private=settings.allow_private_urls)

    def open(self, settings: Settings) -> InputContainer:
        """The stream checked and opened by FFmpeg, reads bounded by `settings.stream_timeout`.

        Raises:
            ForbiddenURL: The host is not public (unless allowed).
            ConfigError: `no_proxy` is set, which would let FFmpeg around the checks.
            StreamError: No answer in time, refused, or not a video FFmpeg reads.
        """
        addresses = self.check(settings)
        url = self.target
        options = {"protocol_whitelist": _PROTOCOLS[self.kind]}
        if self.kind in ("hls", "http"):
            options["http_proxy"] = shared_proxy(allow_private=settings.allow_private_urls).url
        elif self.kind in ("rtsp", "rtmp"):
            url = _dial_at(self.target, addresses[0])  # FFmpeg would resolve the name again
        if self.kind == "rtsp":
            options["rtsp_transport"] = "tcp"  # one connection; no UDP ports to open
        timeout = settings.stream_timeout
        try:
            container = av.open(url, mode="r", options=options, timeout=(timeout, timeout))
        except (av.error.FFmpegError, OSError) as exc:
            raise StreamError(f"cannot open stream {self.name}: {_reason(exc, timeout)}") from exc
        if not container.streams.video:
            container.close()
            raise StreamError(f"stream {self.name} has no video")
        return container


def _dial_at(url: str, address: str) -> str:
    """`url` with its host replaced by the checked `address` (credentials and port kept)."""
    parts = urllib.parse.urlsplit(url)
    host = f"[{address}]" if ":" in address else address
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@{host}" if userinfo else host
    if parts.port:
        netloc += f":{parts.port}"
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def _port(parts: urllib.parse.SplitResult) -> str:
    try:
        return f":{parts.port}" if parts.port else ""
    except ValueError:
        return ""


def _reason(exc: BaseException, timeout: float) -> str:
    """What went wrong, in words: FFmpeg's 'Immediate exit requested' is our time-out."""
    if isinstance(exc, av.error.ExitError):
        return f"no answer within {timeout:g} s (EMOKOGNITION_STREAM_TIMEOUT)"
    if isinstance(exc, av.error.FFmpegError):
        return exc.strerror or type(exc).__name__
    return os.strerror(exc.errno) if isinstance(exc, OSError) and exc.errno else str(exc)


__all__ = ["StreamKind", "StreamSource"]
