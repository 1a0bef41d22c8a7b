"""Schemathesis against /openapi.json: generated requests never get a 5xx, in both ways the
service is run: open (no tokens) and with tokens (reads private, the default then).

Operations are driven one by one with Hypothesis (schemathesis' pytest fixture loader does not
run on pytest 9). `make test` runs a bounded number of cases; `make fuzz` sets
`FUZZ_CASES` (cases per configuration, 10,000 there) and writes what was sent and answered
to artifacts/fuzz/.
"""

from __future__ import annotations

import itertools
import json
import math
import os
from collections import Counter
from typing import Any

import hypothesis
import pytest
import schemathesis
from schemathesis import Case, GenerationMode
from schemathesis.checks import negative_data_rejection, positive_data_acceptance
from schemathesis.core.result import Err
from schemathesis.python import asgi

from emokognition.web import create_app
from tests.conftest import SettingsFactory
from tests.shared import REPO

# Read at import: the web tests' clean environment drops EMOKOGNITION_* variables.
FUZZ_CASES = int(os.environ.get("FUZZ_CASES", "0"))
EXAMPLES = 25  # per operation and generation mode, without FUZZ_CASES
TOKEN = "schemathesis-token"
REPORTS = REPO / "artifacts" / "fuzz"

CONFIGURATIONS = {
    "open": {},
    "tokens-private-reads": {"api_tokens": TOKEN},
}


@pytest.fixture
def database_url(tmp_path: Any) -> str:
    """SQLite only: the endpoints run on both backends in the other web tests."""
    return f"sqlite:///{tmp_path / 'emokognition.sqlite3'}"


@pytest.mark.parametrize("configuration", list(CONFIGURATIONS))
def test_no_server_errors(make_settings: SettingsFactory, configuration: str) -> None:
    # Short sync waits and downloads: generated sync calls must not hold the run.
    settings = make_settings(
        sync_timeout=2.0,
        inline_queue=512,
        # A generated URL may name a public address: its stream starts (and soon fails with
        # no network); the bound's 503 is a designed answer, as the full queue's would be.
        max_streams=10_000,
        download_timeout=2.0,
        download_deadline=4.0,
        **CONFIGURATIONS[configuration],
    )
    assert settings.public_reads is (not settings.api_tokens)
    headers = {"Authorization": f"Bearer {TOKEN}"} if settings.api_tokens else {}
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(settings))
    operations = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()
        operations.append(result.ok())
    assert len(operations) >= 7
    pairs = list(itertools.product(operations, GenerationMode))
    statuses: Counter[str] = Counter()
    try:
        if not FUZZ_CASES:
            for operation, mode in pairs:
                _run(operation, mode, EXAMPLES, 0, headers, statuses)
        # Rounds with a new seed each, over what is left to ask, until FUZZ_CASES were sent;
        # an operation with fewer distinct inputs than asked for (GET /health) drops out.
        for seed in itertools.count():
            left = FUZZ_CASES - sum(statuses.values())
            if left <= 0 or not pairs:
                break
            examples = math.ceil(left / len(pairs))
            pairs = [
                (operation, mode)
                for operation, mode in pairs
                if _run(operation, mode, examples, seed, headers, statuses) == examples
            ]
    finally:
        asgi.shutdown_lifespans()
    assert statuses["5xx"] == 0, statuses  # call_and_validate fails at the first one anyway
    if FUZZ_CASES:
        cases = sum(statuses.values())
        REPORTS.mkdir(parents=True, exist_ok=True)
        report = {"configuration": configuration, "cases": cases, "statuses": statuses}
        (REPORTS / f"{configuration}.json").write_text(json.dumps(report, indent=1) + "\n")
        assert cases >= FUZZ_CASES, report


def _run(
    operation: Any,
    mode: GenerationMode,
    examples: int,
    seed: int,
    headers: dict[str, str],
    statuses: Counter[str],
) -> int:
    """Send up to `examples` generated cases of one operation; returns how many were sent."""
    sent = 0

    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    @hypothesis.settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.seed(seed)
    def check(case: Case[Any]) -> None:
        nonlocal sent
        response = case.call_and_validate(
            headers=headers,
            # A well-formed URL may still be refused (scheme, private address): 400;
            # unknown query parameters are ignored, not refused.
            excluded_checks=[positive_data_acceptance, negative_data_rejection],
        )
        sent += 1
        statuses[f"{response.status_code // 100}xx"] += 1

    try:
        check()
    except hypothesis.errors.Unsatisfiable:
        # Nothing to get wrong in a call without parameters (GET /health).
        assert mode is GenerationMode.NEGATIVE, operation.label
    return sent
