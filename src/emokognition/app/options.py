"""The options every submission takes, checked alike: detector, classifier, source."""

from __future__ import annotations

import re

from emokognition.config import CLASSIFIERS, DETECTORS
from emokognition.errors import RequestError

SOURCE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")


def check_options(*, detector: str | None, classifier: str | None, source: str | None) -> None:
    """Raise `RequestError` for an unknown detector or classifier, or a malformed source
    (None: the default, always fine)."""
    if detector is not None and detector not in DETECTORS:
        raise RequestError(f"unknown detector {detector!r} ({', '.join(DETECTORS)})")
    if classifier is not None and classifier not in CLASSIFIERS:
        raise RequestError(f"unknown classifier {classifier!r} ({', '.join(CLASSIFIERS)})")
    if source is not None and not SOURCE_PATTERN.match(source):
        raise RequestError(
            "source must be 1-64 letters, digits, '_', '.', ':' or '-', "
            "starting with a letter or digit"
        )
