"""Stored media: by sha256, once, deletable."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from emokognition.errors import NotFound
from emokognition.store import MediaStore


def test_put_read_delete(tmp_path: Path, photo: bytes) -> None:
    store = MediaStore(tmp_path / "media")
    digest = store.put(photo)
    assert digest == hashlib.sha256(photo).hexdigest()
    assert store.put(photo) == digest and digest in store
    assert store.path(digest).relative_to(store.root).parts == (digest[:2], digest[2:4], digest)
    assert store.read(digest) == photo
    assert store.delete(digest) and not store.delete(digest)
    with pytest.raises(NotFound):
        store.read(digest)
    assert not list(store.root.rglob(".incoming-*"))


def test_files_made_from_media_go_with_it(tmp_path: Path, photo: bytes) -> None:
    store = MediaStore(tmp_path / "media")
    digest, other = store.put(photo), store.put(photo + b"\0")
    for sha in (digest, other):
        store.derived(sha, "320.jpg").parent.mkdir(parents=True, exist_ok=True)
        store.derived(sha, "320.jpg").write_bytes(b"preview")
    assert store.delete(digest)
    assert not store.derived(digest, "320.jpg").exists()
    assert store.derived(other, "320.jpg").exists()  # another media's preview stays


@pytest.mark.parametrize("bad", ["../../etc/passwd", "ab", "G" * 64])
def test_only_digests_name_files(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ValueError, match="sha256"):
        MediaStore(tmp_path).path(bad)
    with pytest.raises(ValueError, match="sha256"):
        MediaStore(tmp_path).derived(bad, "320.jpg")
