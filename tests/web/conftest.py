from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _clean_environ(clean_environ: None) -> None:
    """Web tests never read the caller's EMOKOGNITION_* variables."""
