"""A cold `emokognition` imports what its command needs, and a URL is downloaded once."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from emokognition.cli import main
from emokognition.config import get_settings
from tests.conftest import MediaServer
from tests.shared import SAMPLE_PHOTO

# Run `main(argv)` in a fresh interpreter; print the imported top-level modules to stderr.
_PROBE = """
import json, sys
from emokognition.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""

# Never on the way to the help or a photo's result.
_SERVICE_AND_VIDEO = (
    "fastapi",
    "starlette",
    "sqlalchemy",
    "alembic",
    "celery",
    "uvicorn",
    "httpx",
    "httpx._main",
    "click",
    "pygments",
    "av",
    "matplotlib",
    "emokognition.video",
    "emokognition.web",
    "emokognition.store",
    "emokognition.jobs",
    "emokognition.sources",
    "rich.progress",
)


def _modules(*argv: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *argv], capture_output=True, text=True, check=True
    )
    modules: list[str] = json.loads(done.stderr.strip().splitlines()[-1])
    return set(modules)


def test_help_imports_no_library() -> None:
    modules = _modules("--help")
    heavy = {"numpy", "cv2", "onnxruntime", "PIL", "pydantic", "pydantic_settings", "rich"}
    assert not modules & (heavy | set(_SERVICE_AND_VIDEO))


def test_a_photo_imports_neither_the_service_nor_the_video_stack() -> None:
    modules = _modules("analyze", str(SAMPLE_PHOTO))
    assert {"numpy", "cv2", "onnxruntime", "rich.table"} <= modules
    assert not modules & set(_SERVICE_AND_VIDEO)


def test_json_needs_no_rich() -> None:
    modules = _modules("analyze", str(SAMPLE_PHOTO), "-f", "json")
    assert not {name for name in modules if name.split(".")[0] == "rich"}


def test_a_url_is_downloaded_once(
    media_server: MediaServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("EMOKOGNITION_ALLOW_PRIVATE_URLS", "true")
    get_settings.cache_clear()
    target = tmp_path / "drawn.jpg"
    url = media_server.url("/photo.jpg")
    try:
        code = main(["analyze", url, "--annotate", str(target), "-f", "json"])
    finally:
        get_settings.cache_clear()
    assert code == 0
    assert json.loads(capsys.readouterr().out)["summary"]["faces"] == 1
    assert target.stat().st_size > 0
    assert media_server.hits["/photo.jpg"] == 1
