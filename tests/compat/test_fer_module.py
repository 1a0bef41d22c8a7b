"""`emokognition.compat.fer` as a module: its names, and what importing and using it loads."""

from __future__ import annotations

import json
import subprocess
import sys

import emokognition.compat.fer as fer
from tests.shared import PHOTOS, REPO

HEAVY = ("pandas", "fastapi", "sqlalchemy", "celery", "matplotlib", "tensorflow", "torch")


def test_exported_members() -> None:
    """fer's three public names, no more: a change here is a change of contract."""
    assert set(fer.__all__) == {"FER", "InvalidImage", "Video"}
    for name in fer.__all__:
        assert hasattr(fer, name), name


def test_base_install_is_enough_for_photos() -> None:
    # A fresh interpreter: the switch needs neither the service's extras nor pandas until
    # `to_pandas` (nor fer's TensorFlow).
    script = f"""
import json, sys
from emokognition.compat.fer import FER, Video
FER().detect_emotions({str(PHOTOS / "justin_portrait.jpg")!r})
print(json.dumps(sorted(name for name in {HEAVY!r} if name in sys.modules)))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert json.loads(done.stdout.splitlines()[-1]) == []
