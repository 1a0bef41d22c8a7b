"""The hostile-file corpus (tests/media/hostile.py) through the API: no 5xx and no internal
error, whatever arrives; what fits the limits is analysed, the rest refused with the reason."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from tests.conftest import poll_done
from tests.media.hostile import ACCEPTED, REFUSED, corpus

# Errors that name what is wrong with the file; "error" is an internal one.
REFUSALS = {"media_too_large", "corrupt_media", "unsupported_format", "invalid_media"}


@pytest.fixture
def database_url(tmp_path: object) -> str:
    """The files, not the database, are on trial: SQLite alone."""
    return f"sqlite:///{tmp_path}/hostile.sqlite3"


def _outcome(client: TestClient, name: str, data: bytes) -> tuple[int, str, str | None, int]:
    """(HTTP status of the upload, the analysis's status or "refused", its error code, HTTP
    status of the stored file's preview on the dashboard or 0)."""
    sent = client.post(
        "/api/v1/analyses?mode=sync", files={"file": (name, data, "application/octet-stream")}
    )
    assert sent.status_code < 500, f"{name}: HTTP {sent.status_code} {sent.text}"
    if sent.status_code >= 400:
        return sent.status_code, "refused", sent.json()["error"]["code"], 0
    body = poll_done(client, sent.json()["id"], timeout=120)
    preview = client.get(f"/analyses/{body['id']}/thumbnail")
    assert preview.status_code < 500, f"{name}: preview HTTP {preview.status_code}"
    code = (body["error"] or {}).get("code")
    return sent.status_code, body["status"], code, preview.status_code


@pytest.mark.parametrize(
    ("files", "expected"), [(ACCEPTED, {"done"}), (REFUSED, {"failed", "refused"})]
)
def test_hostile_files_get_no_5xx(
    client: TestClient, files: dict[str, Callable[[], bytes]], expected: set[str]
) -> None:
    guard = Image.MAX_IMAGE_PIXELS
    outcomes = {name: _outcome(client, name, data) for name, data in corpus(files)}
    for name, (http, status, code, preview) in outcomes.items():
        assert http < 500 and status in expected, (name, http, status, code)
        assert code is None or code in REFUSALS, (name, http, status, code)
        assert preview < 500, (name, preview)
    assert guard == Image.MAX_IMAGE_PIXELS  # Pillow's bomb guard left as it was
    if files is REFUSED:
        assert outcomes["video of a million 16x16 frames"][2] == "media_too_large"
        # Refused by the job, and by the preview before a frame is decoded (checked size,
        # memory budget): the dashboard showing a stored file must not decode it either.
        assert outcomes["video of 48 MP frames"][2:] == ("media_too_large", 413)
        assert outcomes["video of 52 MP frames"][2:] == ("media_too_large", 413)
        assert outcomes["png bomb 100 MP, 100 KB"][2] == "media_too_large"
        assert outcomes["truncated jpeg"][2] == "corrupt_media"
        assert outcomes["empty file"][:2] == (422, "refused")
        assert outcomes["random bytes"][:2] == (415, "refused")
