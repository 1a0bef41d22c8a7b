"""Stored media: files on disk named by the sha256 of their bytes (stored once, shared)."""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from emokognition.errors import NotFound

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StagedMedia:
    """Bytes written to a temporary file beside their place, not yet in it."""

    sha256: str
    temporary: Path

    def discard(self) -> None:
        """Remove the temporary file (nothing when it was placed)."""
        self.temporary.unlink(missing_ok=True)


class MediaStore:
    """Content-addressed files under `root`: `root/ab/cd/abcd...` for digest `abcd...`.

    File operations only: who may add or remove a file while analyses use it is decided in
    the database (`store.keeping.MediaKeeper`).
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, data: bytes) -> str:
        """Store bytes (atomically, once per content); returns their sha256 hex digest."""
        staged = self.stage(data)
        try:
            self.place(staged)
        finally:
            staged.discard()
        return staged.sha256

    def stage(self, data: bytes) -> StagedMedia:
        """Write the bytes to a temporary file in their folder (the slow part, done before any
        lock is taken); `place` then moves it in a rename."""
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return StagedMedia(digest, Path(temporary))

    def place(self, staged: StagedMedia) -> bool:
        """Move staged bytes into place unless the same content is there; True when moved."""
        target = self.path(staged.sha256)
        if target.exists():
            return False
        staged.temporary.replace(target)
        return True

    def path(self, sha256: str) -> Path:
        """Where the media with this digest is (or would be) stored."""
        _check_digest(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def derived(self, sha256: str, name: str) -> Path:
        """Where a file made from the media (a preview, say) is kept: deleted with it."""
        _check_digest(sha256)
        return self.root / "derived" / sha256[:2] / f"{sha256}-{name}"

    def read(self, sha256: str) -> bytes:
        """The stored bytes.

        Raises:
            NotFound: Nothing is stored under this digest.
        """
        try:
            return self.path(sha256).read_bytes()
        except FileNotFoundError as exc:
            raise NotFound(f"stored media {sha256[:12]}... is missing") from exc

    def head(self, sha256: str, size: int = 64) -> bytes:
        """The first `size` stored bytes: enough to tell the format.

        Raises:
            NotFound: Nothing is stored under this digest.
        """
        try:
            with self.path(sha256).open("rb") as handle:
                return handle.read(size)
        except FileNotFoundError as exc:
            raise NotFound(f"stored media {sha256[:12]}... is missing") from exc

    def delete(self, sha256: str) -> bool:
        """Remove the stored media and what was made from it; False when it was not there."""
        for made in self.derived(sha256, "").parent.glob(f"{sha256}-*"):
            made.unlink(missing_ok=True)
        try:
            self.path(sha256).unlink()
        except FileNotFoundError:
            return False
        logger.info("deleted media %s", sha256[:12])
        return True

    def __contains__(self, sha256: str) -> bool:
        return self.path(sha256).exists()


def _check_digest(sha256: str) -> None:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError(f"not a sha256 hex digest: {sha256!r}")


def write_atomically(target: Path, data: bytes) -> None:
    """Write a whole file or nothing: readers never see a partial one, and of concurrent
    writers of the same file the last one wins."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        Path(temporary).replace(target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
