"""`emokognition analyze --format parquet`: the CSV's rows and columns, typed, in Parquet."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from emokognition.emotions import EMOTIONS
from tests.shared import PHOTOS


def test_parquet_has_a_row_per_face(tmp_path: Path) -> None:
    target = tmp_path / "faces.parquet"
    photos = [str(PHOTOS / "2008_001322.jpg"), str(PHOTOS / "justin_portrait.jpg")]
    with target.open("wb") as out:
        command = [sys.executable, "-m", "emokognition", "analyze", *photos, "-q", "-f", "parquet"]
        subprocess.run(command, stdout=out, check=True)
    table = pd.read_parquet(target)
    assert list(table["input"]) == [photos[0]] * 3 + [photos[1]]
    assert set(table["main"]) <= set(EMOTIONS)
    assert table[list(EMOTIONS)].sum(axis=1).to_numpy() == pytest.approx(1.0, abs=1e-4)
    assert table["w"].dtype.kind == "i" and table["score"].dtype.kind == "f"


def test_without_pyarrow_it_is_one_line_before_any_work() -> None:
    code = (
        "import sys; sys.modules['pyarrow'] = None\n"  # as if pyarrow were not installed
        "from emokognition.cli import main\n"
        f"sys.exit(main(['analyze', {str(PHOTOS / 'justin_portrait.jpg')!r}, '-f', 'parquet']))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode != 0 and out.stdout == ""
    assert out.stderr.strip().splitlines() == [
        "error: --format parquet needs the parquet extra: pip install 'emokognition[parquet]'"
    ]
